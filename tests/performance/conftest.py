"""Fixtures for the performance tests: one Dovecot for the module, a mailbox
user per test, a counting proxy, and the in-memory host of benchmarks/."""
from __future__ import annotations

import itertools
import shutil
import tempfile
import threading
from pathlib import Path

import pytest

from benchmarks.imapproxy import ImapProxy
from tests.support import lanes

USERS = {"perf%d" % i: "perf-pass-%d" % i for i in range(64)}
_next_user = itertools.count()


@pytest.fixture(scope="module")
def dovecot():
    ok, why = lanes.dovecot_available()
    if not ok:
        pytest.skip(why)  # the lane rule in tests/conftest.py fails this in CI instead
    from tests.support.dovecot import start_dovecot
    # Not pytest's tmp_path: its parent is mode 0700 and Dovecot's own users
    # (as root we run it as dovecot/dovenull) must reach the folder.
    root = Path(tempfile.mkdtemp(prefix="perf-dovecot-"))
    server = start_dovecot(root, USERS)
    yield server
    server.stop()
    shutil.rmtree(root, ignore_errors=True)


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
