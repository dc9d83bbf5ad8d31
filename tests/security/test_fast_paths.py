"""The string-method tests that replaced regular expressions on the
per-reply path answer as the patterns did: the checks of
tests/jython/checks/check_fast_paths.py, here on CPython (the Jython lane
runs the same module on Jython 2.7.3)."""
from __future__ import annotations

import sys

import pytest

from tests.support import lanes

sys.path.insert(0, str(lanes.JYTHON_CHECKS_DIR))
import check_fast_paths  # noqa: E402 - shared with Jython

CHECKS = sorted(name for name in dir(check_fast_paths) if name.startswith("check_"))


@pytest.mark.parametrize("name", CHECKS)
def test_fast_path_answers_as_the_pattern(name):
    getattr(check_fast_paths, name)()


def test_every_check_is_collected():
    assert len(CHECKS) >= 8
