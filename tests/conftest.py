"""Shared test configuration: lanes that need system packages.

A lane whose tool is missing is skipped on a developer machine, and fails
when REQUIRE_ALL_LANES=1 (as CI sets it), so CI can never go green by
skipping the Jython, Dovecot or gradle lanes.
"""
from __future__ import annotations

import os

import pytest

from tests.support import lanes


def pytest_runtest_setup(item):
    for marker, available in lanes.MARKERS.items():
        if item.get_closest_marker(marker) is None:
            continue
        ok, why = available()
        if ok:
            continue
        if os.environ.get("REQUIRE_ALL_LANES") == "1":
            pytest.fail(f"required lane '{marker}' is missing: {why}", pytrace=False)
        pytest.skip(why)
