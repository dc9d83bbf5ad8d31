"""Fixtures for the module tests: the fetch tests' Dovecot, fake host and
empty mailboxes (tests/support/fetch_host.py)."""
from tests.support.fetch_host import (  # noqa: F401 - fixtures
    dovecot, fresh_user, mailbox, make_host, verdicts)
