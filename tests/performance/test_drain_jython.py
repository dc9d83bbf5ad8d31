"""The drain on real Jython 2.7.3 (tests/jython/checks/check_drain.py), one
JVM, against this module's Dovecot: Java Errors (OutOfMemoryError,
StackOverflowError) from a handler, a parser and the fetch itself; one TLS
context serving every connection; a 20,000-message mailbox listed in bounded
windows (filled here, through Maildir files, before the JVM starts)."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from tests.support import lanes

from .mailboxes import fill_maildir, message

pytestmark = [pytest.mark.jython, pytest.mark.dovecot]

MODULE = "check_drain"
USERS = {"jd%d" % i: "jd-pass-%d" % i for i in range(4)}
LARGE_USER, LARGE_COUNT = "jd3", 20_000   # Jython cannot APPEND that many in time


@pytest.fixture(scope="module")
def jython_run():
    for available in (lanes.jython_available, lanes.dovecot_available):
        ok, why = available()
        if not ok:
            pytest.skip(why)
    from tests.support.dovecot import start_dovecot
    root = Path(tempfile.mkdtemp(prefix="drain-jy-dovecot-"))   # Dovecot's users must reach it
    server = start_dovecot(root, USERS)
    try:
        fill_maildir(server, LARGE_USER, [message("bulk")], copies=LARGE_COUNT)
        context = {"host": server.host, "port": server.port, "users": USERS,
                   "tls_port": server.tls_port, "ca_pem": str(server.tls.ca_pem),
                   "large_user": LARGE_USER, "large_count": LARGE_COUNT}
        yield lanes.run_jython_checks([MODULE], context, timeout=600,
                                      python_path=[lanes.REPO / "tests" / "jython"])
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.mark.parametrize("check", lanes.discover_jython_checks()[MODULE]["checks"])
def test_jython_drain_check(jython_run, check):
    failure = jython_run.failure(MODULE, check)
    assert failure is None, failure
