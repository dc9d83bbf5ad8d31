"""The drain on real Jython 2.7.3 (tests/jython/checks/check_drain.py), one
JVM, against this module's Dovecot: Java Errors (OutOfMemoryError,
StackOverflowError) from a handler, a parser and the fetch itself; one TLS
context serving every connection; a 20,000-message mailbox listed in bounded
windows (filled here, through Maildir files, before the JVM starts)."""
from __future__ import annotations

import pytest

from tests.support import lanes
from tests.support.jython_dovecot import jython_checks_fixture

from .mailboxes import fill_maildir, message

pytestmark = [pytest.mark.jython, pytest.mark.dovecot]

MODULE = "check_drain"
USERS = {"jd%d" % i: "jd-pass-%d" % i for i in range(4)}
LARGE_USER, LARGE_COUNT = "jd3", 20_000   # Jython cannot APPEND that many in time


def _large_mailbox(server):
    fill_maildir(server, LARGE_USER, [message("bulk")], copies=LARGE_COUNT)
    return {"large_user": LARGE_USER, "large_count": LARGE_COUNT}


jython_run = jython_checks_fixture(MODULE, USERS, "drain-jy-dovecot-", before_jvm=_large_mailbox,
                                   python_path=[lanes.REPO / "tests" / "jython"])


@pytest.mark.parametrize("check", lanes.discover_jython_checks()[MODULE]["checks"])
def test_jython_drain_check(jython_run, check):
    failure = jython_run.failure(MODULE, check)
    assert failure is None, failure
