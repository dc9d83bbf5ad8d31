"""Fixtures for the performance tests: one Dovecot for the module, a mailbox
user per test, a counting proxy, and the in-memory host of benchmarks/."""
from __future__ import annotations

import itertools
import threading

import pytest

from benchmarks.imapproxy import ImapProxy

USERS = {"perf%d" % i: "perf-pass-%d" % i for i in range(64)}
_next_user = itertools.count()


@pytest.fixture(scope="module")
def dovecot():
    from tests.support.dovecot import running_dovecot
    with running_dovecot("perf-dovecot-", USERS) as server:
        yield server


@pytest.fixture()
def user(dovecot):
    """A mailbox of its own for each test (the module shares one Dovecot)."""
    name = "perf%d" % next(_next_user)
    assert name in USERS, "add users to tests/performance/conftest.py"
    return name


@pytest.fixture()
def proxy(dovecot):
    p = ImapProxy(dovecot.host, dovecot.port)
    yield p
    p.close()


def run_in_thread(target, *args, **kwargs):
    """Start ``target`` on a thread; returns (thread, result holder)."""
    result = {}

    def body():
        try:
            result["value"] = target(*args, **kwargs)
        except BaseException as error:  # handed to the test
            result["error"] = error

    thread = threading.Thread(target=body, daemon=True)
    thread.start()
    return thread, result
