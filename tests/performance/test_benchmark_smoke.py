"""The benchmark runs end to end in its tiny mode and prints its table (the
figures themselves are for docs/performance.md, not for asserts): every
stage, both measuring interpreters, the plots."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.support.lanes import REPO

pytestmark = pytest.mark.dovecot

COLUMNS = "| scenario | baseline | plugin | ratio | goal |"


def run_quick(tmp_path, *args, timeout=300):
    out = tmp_path / "results.json"
    proc = subprocess.run([sys.executable, str(REPO / "benchmarks" / "run.py"), "--quick",
                           "--json", str(out), *args], capture_output=True, text=True,
                          timeout=timeout, cwd=REPO)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout, json.loads(out.read_text())


def test_quick_benchmark_prints_every_cpython_row(tmp_path):
    stdout, results = run_quick(tmp_path, "--no-jython", "--stages",
                                "latency,drain,scaling,smtp,memory")
    for row in (COLUMNS, "push host in a session", "real schedule, sessions cut every",
                "30 s polling, model", "(naive loop)", "10 ms round trip",
                "ms per API call", "queued replies, loopback (CPython): wall; Dovecot CPU",
                "kB headers each", "the API stand-in's records alone",
                "with outcome replies on (the default)", "as Gmail and Outlook send them",
                "session per mail, TLS context reused", "the server's CPU", "junk mail",
                "machine:", "median (min-max)"):
        assert row in stdout, row
    # The push host's rows: both moments, each with its goal.
    for row in ("reply -> verdict recorded by the push job", "(the job's goal)",
                "reply -> task ended by its waiting script", "(the task-ended goal"):
        assert row in stdout, row
    lat = results["latency"]
    assert lat["push"]["n"] == results["sizes"]["push_replies"] * results["sizes"]["repeats"]
    assert lat["push"]["handled"]["n"] == lat["push"]["n"]
    # The polling baseline is the uniform model: its median is half the interval
    # plus the measured cycle, not a random draw.
    assert abs(lat["polling_model"]["p50"] - 15.0 - lat["polling_model"]["cycle"]) < 0.02
    assert results["drain"]["loopback"]["batched"]["dovecot_cpu"]["median"] > 0
    assert results["memory"]["with"]["bytes_from_server"]["median"] < 10 ** 6
    # Every outcome reply reached the SMTP server (the stage checks the count).
    assert results["drain"]["outcome"]["cpython"]["wall"]["n"] == results["sizes"]["repeats"]
    assert results["scaling"]["headers"]["standin_growth_kb"]["n"] >= 1
    # The Gmail-shaped drain handled every reply (drain_once checks it) on CPython.
    assert results["drain"]["gmail"]["cpython"]["wall"]["n"] == results["sizes"]["repeats"]
    # The server's CPU per repeat: five recipients can cost less than one
    # 10 ms clock tick, so zero is a fair reading here (test_meters checks
    # that the process-tree meter counts what a server burns).
    server_cpu = results["smtp"]["server_cpu"]
    assert server_cpu["n"] == results["sizes"]["repeats"] and server_cpu["min"] >= 0


@pytest.mark.jython
def test_quick_benchmark_measures_jython_too(tmp_path):
    stdout, results = run_quick(tmp_path, "--stages", "jython", timeout=400)
    assert any(i.startswith("Jython 2.7") for i in results["interpreters"])
    assert "empty fetch cycle, warm (after %d cycles; Jython vs CPython)" \
        % results["sizes"]["cycle_warmup"] in stdout
    assert "fresh Jython interpreter per run" in stdout
    assert results["cycle"]["jython"]["wall"]["median"] > 0
