"""The benchmark runs end to end in its tiny mode and prints its table
(the figures themselves are for docs/performance.md, not for asserts)."""
from __future__ import annotations

import subprocess
import sys

import pytest

from tests.support.lanes import REPO

pytestmark = pytest.mark.dovecot


def test_quick_benchmark_prints_the_table(tmp_path):
    out = tmp_path / "results.json"
    proc = subprocess.run([sys.executable, str(REPO / "benchmarks" / "run.py"), "--quick",
                           "--json", str(out)], capture_output=True, text=True, timeout=240,
                          cwd=REPO)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    for row in ("reply -> COMPLETED p50", "reply -> COMPLETED p99", "drain", "(naive loop)",
                "request mail, team of", "(one session)", "fetch peak heap", "machine:"):
        assert row in proc.stdout, row
    import json
    results = json.loads(out.read_text())
    assert len(results["latency"]["push_samples"]) == results["sizes"]["replies"]
    assert results["memory"]["with"]["bytes_from_server"] < 10 ** 6
