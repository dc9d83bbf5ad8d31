"""Issue 11: every parser entry point is linear on adversarial shapes, on
CPython (the same shapes run on Jython: tests/security/test_jython_security.py).

Each shape is timed at n and 8n in one run (this thread's CPU time, best of
two); linear work gives a ratio near 8, quadratic near 64, and the test fails
above 20, so machine noise cannot flip it.  Slow lane: about 20 s of CPU.
"""
from __future__ import annotations

import sys

import pytest

from tests.security import figures
from tests.support import lanes

sys.path.insert(0, str(lanes.JYTHON_CHECKS_DIR))
import parser_shapes  # shared with the Jython check

SHAPES = parser_shapes.all_shapes()


@pytest.mark.slow
def test_every_parser_entry_point_is_linear():
    results = {}
    for entry, shape in SHAPES:
        results["%s/%s" % (entry, shape)] = parser_shapes.complexity(entry, shape)
    figures.record("complexity-cpython", results)
    over = {k: v for k, v in results.items() if v["ratio"] > parser_shapes.RATIO_LIMIT}
    assert not over, over
    # every entry point the issue names has shapes
    assert {e for e, _s in SHAPES} == {"reply", "html-to-text", "unflow", "authentication-results",
                                       "addresses"}


@pytest.mark.slow
def test_the_measure_tells_quadratic_from_linear(monkeypatch):
    """The check can fail: a quadratic stand-in for unflow passes the limit."""
    def quadratic(text, delsp=False):
        lines = text.split("\n")
        out = ""
        for i in range(len(lines)):
            out = "".join(lines[:i])      # everything so far, joined again per line
        return out
    monkeypatch.setitem(parser_shapes.SHAPES, "unflow", [
        ("quadratic", 400, lambda n: "x \n" * n, quadratic)])
    measured = parser_shapes.complexity("unflow", "quadratic", attempts=1)
    assert measured["ratio"] > parser_shapes.RATIO_LIMIT, measured
