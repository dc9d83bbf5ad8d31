"""Fixtures for the security suite: one Dovecot for the session, a fresh
mailbox user per test (all users exist from the start: Dovecot caches its
passwd-file by modification time, which has a one-second grain)."""
from __future__ import annotations

import itertools

import pytest

from remote_completion import logs

USERS = 400
# No delay after a failed login: the secrets tests fail logins on purpose.
NO_AUTH_DELAY = "auth_failure_delay = 0\n"


@pytest.fixture(scope="session")
def dovecot():
    users = {"rc%d" % n: "pw-%d-Xq7" % n for n in range(1, USERS + 1)}
    from tests.support.dovecot import running_dovecot
    with running_dovecot("rc-security-", users, NO_AUTH_DELAY) as server:
        yield server


@pytest.fixture
def private_dovecot():
    """A Dovecot of its own: failed logins make Dovecot delay every later
    login from the same address (its auth penalty), which must not slow the
    session's shared server."""
    users = {"rc-private": "pw-private-Xq7"}
    users.update({"rp%d" % n: "pw-p%d-Xq7" % n for n in range(1, 201)})
    from tests.support.dovecot import running_dovecot
    with running_dovecot("rc-security-private-", users, NO_AUTH_DELAY) as server:
        yield server


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
