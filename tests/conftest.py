"""Shared test configuration: lanes that need system packages.

A lane whose tool is missing is skipped on a developer machine, and fails
when REQUIRE_ALL_LANES=1 (as CI sets it), so CI can never go green by
skipping the Jython, Dovecot, gradle, chromium or Postfix lanes, or the checks against
Digital.ai's synthetic.xsd (sandbox/schemas.py says where it is looked for).
"""
from __future__ import annotations

import pytest

from tests.support import lanes


def pytest_runtest_setup(item):
    for marker in lanes.MARKERS:
        if item.get_closest_marker(marker) is None:
            continue
        verdict, why = lanes.lane_verdict(marker)
        if verdict == "fail":
            pytest.fail(why, pytrace=False)
        if verdict == "skip":
            pytest.skip(why)


@pytest.fixture(autouse=True)
def fresh_outcome_rate_limit():
    """Each test starts with an empty outcome-reply rate limit: the limit is
    JVM-wide (process-wide on CPython) by design, so without this a test that
    answered the corpus's senders would silence the next test's answers."""
    import sys
    for name in ("remote_completion.outcome", "remote_completion.fetch"):
        module = sys.modules.get(name)
        for attribute in ("_shared", "_limiter"):
            holder = getattr(module, attribute, None)
            if isinstance(holder, list):
                holder[0] = None
    yield


@pytest.fixture(autouse=True)
def fresh_mailbox_configs():
    """Each test reads its IMAP configurations afresh: the waiting script
    remembers them per release for a few seconds (polling.CONFIG_TTL), and a
    test may change a configuration that an earlier test read."""
    import sys
    module = sys.modules.get("remote_completion.polling")
    if module is not None:
        module._configs.clear()
    yield
