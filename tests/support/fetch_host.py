"""A Dovecot for the fetch tests, and a fake host around it: fixtures that
tests/fetcher/conftest.py and tests/unit/conftest.py both import (each
directory gets its own session Dovecot and its own user counter)."""
from __future__ import annotations

import itertools
import logging

import pytest

from remote_completion import logs, maildebug
from remote_completion import settings as settings_mod
from tests.jython import fetch_fakes as fakes
from tests.fetcher import samples as s

MAILBOX_USER = "xlr-replies"          # user names are MAILBOX_USER + a number
MAILBOX_PASSWORD = "imap-Pa55word-never-logged"
USERS = 120


@pytest.fixture(scope="session")
def dovecot():
    # One fresh mailbox user per test: no cleaning between.
    users = {"%s%d" % (MAILBOX_USER, n): MAILBOX_PASSWORD for n in range(1, USERS + 1)}
    from tests.support.dovecot import running_dovecot
    with running_dovecot("rc-fetcher-", users) as server:
        yield server


@pytest.fixture(scope="session")
def fresh_user():
    """A mailbox user no test has used yet.  A fixture, not a module counter:
    each conftest that imports it gets its own Dovecot, and so its own count."""
    numbers = itertools.count(1)

    def next_user():
        n = next(numbers)
        assert n <= USERS, "raise USERS in tests/support/fetch_host.py"
        return "%s%d" % (MAILBOX_USER, n)
    return next_user


class Host:
    """A fake XL Release around one Dovecot mailbox."""

    def __init__(
        self, server, user, tls_mode="IMPLICIT", trusted=True, quarantine=None, whitelist=None
    ):
        port = server.tls_port if tls_mode == "IMPLICIT" else server.port
        self.server = server
        self.user = user
        self.world = fakes.World(fakes.imap_ci(
            server.host, port, self.user, MAILBOX_PASSWORD, s.SECRET, s.MAILBOX, tls_mode=tls_mode,
            use_tls=tls_mode != "NONE", trusted=server.tls.ca_pem.read_text() if trusted else None,
            whitelist=whitelist, quarantine=quarantine))
        self.world.users = {
            "alice": ("Alice Smith", s.ALICE),
            "bob": ("Bob Jones", "bob@example.com"),
            "carol": ("Carol Role", "carol@example.com"),
        }
        self.world.add_task(s.TASK_ID, owner="alice")

    @property
    def ci(self):
        return self.world.imap_cis[0]

    def deliver(self, raw: bytes, mailbox="INBOX"):
        self.server.append(self.user, raw, mailbox)

    def count(self, mailbox="INBOX"):
        return self.server.count(self.user, '"%s"' % mailbox)  # imaplib does not quote

    def run(self, now=None, **settings_values):
        values = dict(batch_size=50, max_message_size=200_000, network_timeout=10.0)
        values.update(settings_values)
        from remote_completion import fetch

        return fetch.run_fetch_cycle(
            fakes.bundle(self.world), settings=settings_mod.Settings(**values), now=now
        )

    def check_connection(self, **changes):
        """The configuration's test button (fetch.check_connection): (ok,
        message), with ``changes`` made to the configuration for this one
        check only."""
        from remote_completion import fetch

        saved = {name: getattr(self.ci, name) for name in changes}
        for name, value in changes.items():
            setattr(self.ci, name, value)
        try:
            return fetch.check_connection(self.ci)
        finally:
            for name, value in saved.items():
                setattr(self.ci, name, value)

    def status(self, task_id=s.TASK_ID):
        """The task's status once its waiting script has run (World.settle)."""
        self.world.settle()
        return self.world.tasks[task_id]["status"]


@pytest.fixture
def make_host(dovecot, fresh_user):
    maildebug.set_enabled(None)
    yield lambda **kw: Host(dovecot, fresh_user(), **kw)
    maildebug.set_enabled(None)


@pytest.fixture
def verdicts(caplog):
    """The info lines of the plugin logger (one per message)."""
    caplog.set_level(logging.INFO, logger=logs.LOGGER_NAME)

    def lines():
        return [r.getMessage() for r in caplog.records
                if r.name == logs.LOGGER_NAME and r.levelno == logging.INFO
                and r.getMessage().startswith("Remote completion: mail ")]
    lines.all = lambda: [r.getMessage() for r in caplog.records if r.name == logs.LOGGER_NAME]
    return lines


@pytest.fixture
def mailbox(request, dovecot, fresh_user):
    """(server, user, password): an empty mailbox no other test uses."""
    if request.node.get_closest_marker("dovecot") is None:
        raise RuntimeError("tests using the mailbox fixture must be marked dovecot")
    return dovecot, fresh_user(), MAILBOX_PASSWORD
