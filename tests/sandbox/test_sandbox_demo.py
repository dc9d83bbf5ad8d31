"""``python -m sandbox demo``: the story runs, its files are written, failure is loud."""
from __future__ import annotations

import email
import email.policy
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sandbox import build_jar, demo, mailclient

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
    check_console(proc.stdout, out)
    check_outcome(out, "alice", "Completed" if action == "complete" else "Failed")


def check_outcome(out, person, word):
    """The answer the person got about their reply, threaded to it."""
    answer = read_eml(out / ("outcome-%s.eml" % person))
    sent = read_eml(out / "reply.eml")
    assert answer["Subject"].startswith(word) and answer["Auto-Submitted"] == "auto-replied"
    assert answer["In-Reply-To"] == sent["Message-ID"]
    assert "/#/releases/" in answer.get_body(("plain",)).get_content()


def test_demo_reply_variant_completes_with_the_typed_words(tmp_path):
    out = tmp_path / "demo"
    proc = run_demo("--reply", "--out", str(out), "--timeout", "60")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "presses Reply" in proc.stdout and "task is COMPLETED" in proc.stdout
    assert "task link in the mails: http://127.0.0.1:" in proc.stdout
    sent = read_eml(out / "reply.eml")
    assert sent["In-Reply-To"] and "+xlr" in sent["To"]
    assert sent.get_body(("plain",)).get_content().startswith(demo.REPLY_WORDS)
    log = json.loads((out / "activity-log.json").read_text())
    assert any("Comment: CR-1042 checked" in e["message"] for e in log)
    check_outcome(out, "alice", "Completed")
    wide = [line for line in proc.stdout.splitlines() if len(line) > demo.WIDTH]
    assert not wide, wide


def read_eml(path):
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)


def check_console(stdout, out):
    """What README's "two commands" section promises, readable at 100 columns."""
    wide = [line for line in stdout.splitlines() if len(line) > demo.WIDTH]
    assert not wide, wide
    # Every button's full link, in the file the console names.
    assert "in full in links.txt" in stdout
    expected = []
    for name, _, address, _ in demo.PEOPLE:
        request = read_eml(out / ("request-%s.eml" % name))
        expected += ["%s, %s: %s" % (address, text, href)
                     for href, text in mailclient.html_links(request)]
    assert len(expected) == 6
    assert (out / "links.txt").read_text(encoding="utf-8").splitlines() == expected
    # The reply's actual text, line by line (the metadata block included).
    reply = read_eml(out / "reply.eml")
    shown = stdout.split(" clicks ", 1)[1].split("== Fetch", 1)[0]
    for line in reply.get_body(("plain",)).get_content().splitlines():
        if line.strip() and len(line) < 90:
            assert "  | " + line in shown, line
    # The out folder, each entry with a word; no private key in it.
    listing = stdout.split("== Files in %s ==" % out, 1)[1]
    for entry in out.iterdir():
        words = demo.describe(entry.name)
        assert words, "%s is not described" % entry.name
        pattern = r"^  %s/?\s+%s" % (re.escape(entry.name), re.escape(words))
        assert re.search(pattern, listing, re.M), entry.name
    for path in out.rglob("*"):
        if path.is_file():
            assert b"PRIVATE KEY" not in path.read_bytes(), path


def test_demo_fails_loudly_when_the_flow_does_not_complete(tmp_path):
    # A plugin that never fetches (neither the job nor the waiting script):
    # the reply is never acted on.
    ext = tmp_path / "ext"
    shutil.copytree(REPO / "ext", ext, ignore=shutil.ignore_patterns("__pycache__"))
    (ext / "remoteCompletion" / "FetchMail.py").write_text("pass\n")
    (ext / "remoteCompletion" / "WaitForReply.py").write_text(
        "task.schedule('remoteCompletion/WaitForReply.py', 1)\n")
    jar = build_jar(
        [REPO / "synthetic.xml", REPO / "xl-rules.xml", ext, REPO / "plugin"],
        tmp_path / "broken.jar")
    proc = run_demo("--out", str(tmp_path / "out"), "--jar", str(jar), "--timeout", "4")
    assert proc.returncode != 0
    assert "DEMO FAILED" in proc.stdout and "not COMPLETED" in proc.stdout


@pytest.mark.parametrize("line", [
    "x" * 250,
    " " * 120 + "deep " * 30,
    "TASK_ID: Applications/Release%s/Phase%s/Task%s" % ("a" * 32, "b" * 32, "c" * 32),
    "plain words " * 20,
])
def test_console_lines_fold_to_the_width_and_keep_their_text(line):
    pieces = demo._fold(line, 60)
    assert all(len(p) <= 60 for p in pieces), pieces
    assert "".join("".join(p.split()) for p in pieces) == "".join(line.split())
