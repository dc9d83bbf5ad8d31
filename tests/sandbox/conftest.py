"""Fixtures for the sandbox's own tests: a tiny fixture plugin, a virtual clock.

The fixture plugin (fixtures/plugin) exercises the host semantics without the
real plugin: one task type whose ``mode`` input picks an outcome, a
configuration type with a password, a scheduled job, and a library package
(``fixture_lib``) the scripts import and record their calls in.
"""
from __future__ import annotations

import pytest

from sandbox import VirtualClock, demo
from sandbox_helpers import JOB_HOOKS, xlr_server


@pytest.fixture(autouse=True)
def no_job_hooks():
    JOB_HOOKS.clear()
    yield
    JOB_HOOKS.clear()


@pytest.fixture(scope="module")
def mail(tmp_path_factory):
    """The demo's mail servers (hub, passwords), one set per test module."""
    hub, passwords = demo.make_hub(tmp_path_factory.mktemp("mail"))
    with hub:
        yield hub, passwords


@pytest.fixture
def clock():
    return VirtualClock()


@pytest.fixture
def server(tmp_path, clock):
    srv = xlr_server(tmp_path / "home", clock)
    srv.add_user("alice", "alice@example.com", "Alice Archer")
    srv.add_user("bob", "bob@example.com", "Bob Baker")
    with srv:
        yield srv
