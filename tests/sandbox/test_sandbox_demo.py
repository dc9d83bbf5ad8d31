"""``python -m sandbox demo``: the story runs, its files are written, failure is loud."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sandbox import build_jar

REPO = Path(__file__).resolve().parents[2]


def run_demo(*args, timeout=180):
    return subprocess.run([sys.executable, "-m", "sandbox", "demo", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize("action, outcome", [("complete", "COMPLETED"), ("fail", "FAILED")])
def test_demo_tells_the_story_and_writes_its_files(tmp_path, action, outcome):
    out = tmp_path / "demo"
    proc = run_demo("--action", action, "--out", str(out), "--timeout", "60")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "task is %s" % outcome in proc.stdout
    for name in ("alice", "bob", "carol"):
        assert (out / ("request-%s.eml" % name)).stat().st_size > 0
        assert "mailto:" in (out / ("request-%s.html" % name)).read_text()
    log = json.loads((out / "activity-log.json").read_text())
    # Activity types are the sandbox's own names (XL Release's are not in the
    # reference): the log is read by its documented categories.
    assert all(entry["activityType"].startswith("SANDBOX_") for entry in log)
    comment = [e for e in log if "Comments" in e["categories"]][-1]
    assert comment["categories"] == ["Comments"] and "Alice Archer" in comment["message"]
    # The configuration listing shows secrets masked.
    assert re.search(r"^\s+secret\s+\*{8}$", proc.stdout, re.M)
    assert len(re.findall(r"^\s+password\s+\*{8}$", proc.stdout, re.M)) == 2


def test_demo_fails_loudly_when_the_flow_does_not_complete(tmp_path):
    # A plugin that never fetches (neither the job nor the waiting script):
    # the reply is never acted on.
    ext = tmp_path / "ext"
    shutil.copytree(REPO / "ext", ext, ignore=shutil.ignore_patterns("__pycache__"))
    (ext / "remoteCompletion" / "FetchMail.py").write_text("pass\n")
    (ext / "remoteCompletion" / "WaitForReply.py").write_text(
        "task.schedule('remoteCompletion/WaitForReply.py', 1)\n")
    jar = build_jar([REPO / "synthetic.xml", REPO / "xl-rules.xml", ext, REPO / "plugin"], tmp_path / "broken.jar")
    proc = run_demo("--out", str(tmp_path / "out"), "--jar", str(jar), "--timeout", "4")
    assert proc.returncode != 0
    assert "DEMO FAILED" in proc.stdout and "not COMPLETED" in proc.stdout
