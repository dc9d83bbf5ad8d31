"""Push on real Jython 2.7.3 (tests/jython/checks/check_push.py), one JVM,
against this module's Dovecot."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from tests.support import lanes

pytestmark = [pytest.mark.jython, pytest.mark.dovecot]

MODULE = "check_push"
USERS = {"jy%d" % i: "jy-pass-%d" % i for i in range(3)}


@pytest.fixture(scope="module")
def jython_run():
    for available in (lanes.jython_available, lanes.dovecot_available):
        ok, why = available()
        if not ok:
            pytest.skip(why)
    from tests.support.dovecot import start_dovecot
    root = Path(tempfile.mkdtemp(prefix="perf-jy-dovecot-"))   # Dovecot's users must reach it
    server = start_dovecot(root, USERS)
    try:
        context = {"host": server.host, "port": server.port, "tls_port": server.tls_port,
                   "ca_pem": str(server.tls.ca_pem), "users": USERS}
        yield lanes.run_jython_checks([MODULE], context, timeout=600)
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.mark.parametrize("check", lanes.discover_jython_checks()[MODULE]["checks"])
def test_jython_push_check(jython_run, check):
    failure = jython_run.failure(MODULE, check)
    assert failure is None, failure
