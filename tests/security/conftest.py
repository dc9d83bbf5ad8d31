"""Fixtures for the security suite: one Dovecot for the session, a fresh
mailbox user per test (all users exist from the start: Dovecot caches its
passwd-file by modification time, which has a one-second grain)."""
from __future__ import annotations

import itertools
import shutil
import tempfile
from pathlib import Path

import pytest

from remote_completion import logs

USERS = 400


@pytest.fixture(scope="session")
def dovecot():
    from tests.support import lanes
    ok, why = lanes.dovecot_available()
    if not ok:
        pytest.skip(why)  # conftest's lane rule turns this into a failure in CI
    from tests.support.dovecot import start_dovecot
    # Not under pytest's tmp dir: that one is 0700 and Dovecot's auth process
    # (user dovecot) re-reads the passwd-file we grow while tests run.
    root = Path(tempfile.mkdtemp(prefix="rc-security-"))
    users = {"rc%d" % n: "pw-%d-Xq7" % n for n in range(1, USERS + 1)}
    # No delay after a failed login: the secrets tests fail logins on purpose.
    server = start_dovecot(root, users, extra_conf="auth_failure_delay = 0\n")
    yield server
    server.stop()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def private_dovecot():
    """A Dovecot of its own: failed logins make Dovecot delay every later
    login from the same address (its auth penalty), which must not slow the
    session's shared server."""
    from tests.support import lanes
    ok, why = lanes.dovecot_available()
    if not ok:
        pytest.skip(why)
    from tests.support.dovecot import start_dovecot
    root = Path(tempfile.mkdtemp(prefix="rc-security-private-"))
    users = {"rc-private": "pw-private-Xq7"}
    users.update({"rp%d" % n: "pw-p%d-Xq7" % n for n in range(1, 201)})
    server = start_dovecot(root, users, extra_conf="auth_failure_delay = 0\n")
    yield server
    server.stop()
    shutil.rmtree(root, ignore_errors=True)


def add_user(server):
    """A user nobody has used yet in this session.  The counter lives on the
    server object: this module is imported twice (as pytest's conftest and
    as tests.security.conftest), so a module-level counter would not be one."""
    counter = server.__dict__.setdefault("_rc_users", itertools.count(1))
    n = next(counter)
    assert n <= USERS, "raise USERS in tests/security/conftest.py"
    name = "rc%d" % n
    return name, server.users[name]


@pytest.fixture
def mailbox(request, dovecot):
    """(server, user, password): an empty mailbox of its own."""
    if request.node.get_closest_marker("dovecot") is None:
        raise RuntimeError("tests using the mailbox fixture must be marked dovecot")
    user, password = add_user(dovecot)
    return dovecot, user, password


@pytest.fixture
def plugin_log(caplog):
    """Every record of the plugin's logger, down to TRACE."""
    caplog.set_level(logs.TRACE, logger=logs.LOGGER_NAME)
    return caplog
