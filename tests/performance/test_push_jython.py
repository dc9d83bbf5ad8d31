"""Push on real Jython 2.7.3 (tests/jython/checks/check_push.py), one JVM,
against this module's Dovecot."""
from __future__ import annotations

import pytest

from tests.support import lanes
from tests.support.jython_dovecot import jython_checks_fixture

pytestmark = [pytest.mark.jython, pytest.mark.dovecot]

MODULE = "check_push"
USERS = {"jy%d" % i: "jy-pass-%d" % i for i in range(3)}

jython_run = jython_checks_fixture(MODULE, USERS, "perf-jy-dovecot-")


@pytest.mark.parametrize("check", lanes.discover_jython_checks()[MODULE]["checks"])
def test_jython_push_check(jython_run, check):
    failure = jython_run.failure(MODULE, check)
    assert failure is None, failure
