"""The fetcher on real Jython 2.7.3 (tests/jython/checks/check_fetch.py) against
the Dovecot of tests/support/fetch_host.py, results checked here on CPython."""
from __future__ import annotations

import json
import socket

import pytest

from remote_completion import reply
from tests.fetcher import samples as s
from tests.support.fetch_host import MAILBOX_PASSWORD
from tests.unit.test_reply import CLIENTS, COMMENT
from tests.support import lanes

pytestmark = [pytest.mark.jython, pytest.mark.dovecot]

MODULE = "check_fetch"
CHECKS = lanes.discover_jython_checks()[MODULE]["checks"]
MAX_SIZE = 100_000
TASK2 = s.TASK_ID + "2"


def reply_mail(
    action="COMPLETE", client=s.plain, comment="Done on Jython.", sender=s.ALICE, extra=(), **kw
):
    _subject, body = s.template(action, comment=comment, **kw)
    return client(body, sender=sender, extra=list(extra))


def corpus():
    """name -> raw bytes: every client shape plus header and hostile cases."""
    items = {}
    for name, client in CLIENTS.items():
        for action in ("COMPLETE", "FAIL"):
            items[f"{name}-{action}.eml"] = client(s.template(action, comment=COMMENT)[1])
    _subject, body = s.template(comment="quoted")
    items["quoted-2.eml"] = s.quoted_reply(body, "Approved.", depth=2)
    items["conflict.eml"] = s.plain(
        body + "\r\n> " + s.template("FAIL")[1].replace("\r\n", "\r\n> ")
    )
    items["auto.eml"] = s.plain(body, extra=["Auto-Submitted: auto-replied"])
    items["self.eml"] = s.plain(body, extra=["X-XLR-Remote-Completion: request"])
    items["two-from.eml"] = s.plain(body, sender="a@example.com, b@example.com")
    items["latin1.eml"] = s.plain(
        s.template(comment="Caf\u00e9 cr\u00e8me")[1], charset="iso-8859-1"
    )
    items["unknown-charset.eml"] = s.plain(body).replace(b"charset=utf-8", b"charset=x-unknown")
    items["entities.eml"] = s.html_only(s.template(comment="a < b & c")[1])
    nested = body
    for i in range(60):
        nested = (
            f'Content-Type: multipart/mixed; boundary="n{i}"\r\n\r\n--n{i}\r\n{nested}\r\n--n{i}--'
        )
    items["nested.eml"] = (s.headers("x") + nested).encode()
    items["binary-junk.eml"] = bytes(range(256)) * 20
    return items


def summary_of(parsed):
    return {
        "error": parsed.error, "action": parsed.action, "task_id": parsed.task_id,
        "signature": parsed.signature, "sender": parsed.sender, "comment": parsed.comment,
        "auto_reply": parsed.auto_reply, "self_sent": parsed.self_sent, "to": parsed.to_addresses}


@pytest.fixture(scope="module")
def jython(dovecot, fresh_user, tmp_path_factory):
    ok, why = lanes.jython_available()
    if not ok:
        pytest.skip(why)
    out_dir = tmp_path_factory.mktemp("jy-fetch-out")
    corpus_dir = tmp_path_factory.mktemp("jy-corpus")
    samples = corpus()
    for name, raw in samples.items():
        (corpus_dir / name).write_bytes(raw)
    users = {
        name: fresh_user()
        for name in ("implicit", "starttls", "untrusted", "quarantine", "scripts")
    }
    mail = {
        "implicit": [
            reply_mail(client=s.gmail), reply_mail("FAIL", client=s.apple_mail, task_id=TASK2),
            reply_mail(sig="v1." + "0" * 64, client=s.outlook), s.plain("no block"),
            reply_mail(comment="z" * (MAX_SIZE + 10))],
        "starttls": [reply_mail(client=s.thunderbird)],
        "untrusted": [reply_mail()],
        "quarantine": [reply_mail(sig="v1." + "0" * 64), reply_mail()],
        "scripts": [reply_mail(comment="From the job script.")],
    }
    for name, messages in mail.items():
        for raw in messages:
            dovecot.append(users[name], raw)
    task = {"id": s.TASK_ID, "owner": "alice"}
    context = {
        "host": dovecot.host,
        "password": MAILBOX_PASSWORD,
        "secret": s.SECRET,
        "mailbox": s.MAILBOX,
        "ca_pem": str(dovecot.tls.ca_pem),
        "out_dir": str(out_dir),
        "corpus_dir": str(corpus_dir),
        "max_message_size": MAX_SIZE,
        "users": {"alice": ["Alice Smith", s.ALICE], "bob": ["Bob Jones", "bob@example.com"]},
        "scenarios": {
            "implicit": {
                "port": dovecot.tls_port, "tls_mode": "IMPLICIT", "trusted": True,
                "user": users["implicit"], "messages": len(mail["implicit"]),
                "tasks": [task, {"id": TASK2, "owner": "alice"}]},
            "starttls": {
                "port": dovecot.port, "tls_mode": "STARTTLS", "trusted": True,
                "user": users["starttls"], "tasks": [task]},
            "untrusted": {
                "port": dovecot.tls_port, "tls_mode": "IMPLICIT", "trusted": False,
                "user": users["untrusted"], "tasks": [task]},
            "quarantine": {
                "port": dovecot.tls_port, "tls_mode": "IMPLICIT", "trusted": True,
                "user": users["quarantine"], "tasks": [task], "quarantine": "Quarantine",
                "faults": {"commentTask": 1}},
            "scripts": {"port": dovecot.tls_port, "user": users["scripts"], "tasks": [task]},
        },
        "repo": str(lanes.REPO),
    }
    # A server that accepts connections (backlog) but never greets.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(4)
    context["silent_port"] = silent.getsockname()[1]
    try:
        run = lanes.run_jython_checks([MODULE], context, timeout=600,
                                      python_path=[lanes.REPO / "tests" / "jython"])
    finally:
        silent.close()

    def result(name):
        return json.loads((out_dir / (name + ".json")).read_text())
    yield run, result, users, samples


@pytest.mark.parametrize("check", CHECKS)
def test_jython_check(jython, check):
    run = jython[0]
    failure = run.failure(MODULE, check)
    assert failure is None, failure


def test_jython_cycle_acts_audits_logs_and_empties_the_mailbox(jython, dovecot):
    run, result, users, _ = jython
    r = result("implicit")
    assert r["tasks"][s.TASK_ID]["status"] == "COMPLETED"
    assert r["tasks"][TASK2]["status"] == "FAILED" and r["tasks"][TASK2]["failuresCount"] == 1
    texts = dict(r["comments"])
    assert texts[s.TASK_ID].startswith("Completed by email by Alice Smith <alice@example.com> on ")
    assert "UTC.\n\nComment: Done on Jython.\n\n`xlr-remote-completion verdict=COMPLETE" \
        in texts[s.TASK_ID]
    # The hand-over's end, on Jython: each task's own WaitForReply.py ended it.
    ends = r["script_ends"]
    assert ends[s.TASK_ID] == {"code": 0, "scheduled": []}
    assert ends[TASK2] == {"code": 1, "scheduled": []}
    assert texts[TASK2].startswith("Failed by email by Alice Smith")
    assert r["summary"]["counts"] == {
        "acted": 2, "bad-signature": 1, "no-metadata": 1, "too-large": 1}
    infos = [
        m for level, m in r["log"] if level == "INFO" and m.startswith("Remote completion: mail ")
    ]
    assert len(infos) == 5
    assert dovecot.count(users["implicit"]) == 0
    # The protocol trace was on: LOGIN masked, the password nowhere.
    assert "LOGIN ********" in run.proc.stderr
    assert MAILBOX_PASSWORD not in run.proc.stderr + run.proc.stdout
    assert MAILBOX_PASSWORD not in json.dumps(r)


def test_jython_starttls_and_untrusted_ca(jython, dovecot):
    _run, result, users, _ = jython
    assert result("starttls")["tasks"][s.TASK_ID]["status"] == "COMPLETED"
    assert dovecot.count(users["starttls"]) == 0
    untrusted = result("untrusted")
    assert untrusted["tasks"][s.TASK_ID]["status"] == "IN_PROGRESS"
    errors = [m for level, m in untrusted["log"] if level == "ERROR"]
    assert len(errors) == 1 and "certificate verify failed" in errors[0]
    assert dovecot.count(users["untrusted"]) == 1


def test_jython_quarantine_and_kept_mail(jython, dovecot):
    _run, result, users, _ = jython
    r = result("quarantine")
    assert r["summary"]["counts"] == {"bad-signature": 1, "server-error": 1}
    assert r["tasks"][s.TASK_ID]["status"] == "IN_PROGRESS"
    assert dovecot.count(users["quarantine"]) == 1
    assert dovecot.count(users["quarantine"], "Quarantine") == 1


def test_jython_parses_the_corpus_exactly_like_cpython(jython):
    _run, result, _users, samples = jython
    on_jython = result("corpus")
    assert sorted(on_jython) == sorted(samples)
    for name, raw in sorted(samples.items()):
        assert on_jython[name] == summary_of(reply.parse_reply(raw)), name
    # And the shapes parsed to what they should.
    assert on_jython["gmail-COMPLETE.eml"]["signature"] == s.sign()
    assert " ".join(on_jython["outlook-1252-FAIL.eml"]["comment"].split()) == " ".join(
        COMMENT.split()
    )
    assert on_jython["conflict.eml"]["error"] == "conflicting-metadata"
    assert on_jython["latin1.eml"]["comment"] == "Caf\u00e9 cr\u00e8me"


def test_jython_ext_scripts(jython, dovecot):
    _run, result, users, _ = jython
    r = result("scripts")
    assert r["ok_code"] in (0, None) and r["bad_code"].startswith("raised ConnectionTestFailed")
    assert "logged in as %s" % users["scripts"] in r["printed"]
    assert "login failed" in r["printed"] and "not-the-password" not in r["printed"]
    assert r["tasks"][s.TASK_ID]["status"] == "COMPLETED"
    assert "Comment: From the job script.\n\n`xlr-remote-completion verdict=COMPLETE" \
        in r["comments"][0][1]
    assert r["ends"][s.TASK_ID] == {"code": 0, "scheduled": []}   # WaitForReply.py ended it
    assert dovecot.count(users["scripts"]) == 0
