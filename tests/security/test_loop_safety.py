"""Loop safety: the fetcher answers people, never automatic mail.

A mail loop needs a program that answers mail with mail.  The fetcher's one
sending path is the outcome reply (fetch.send_outcome, issue 13): it is
marked ``Auto-Submitted: auto-replied``, and automatic replies, bounces, the
plugin's own mail and strangers are never answered.  With outcome replies
off, fetch cycles open no connection except to the IMAP server, even with a
working SMTP server configured.  Automatic replies, bounces and the plugin's
own request mail (which carry genuine signed blocks) are ignored with one
logged verdict each.
"""
from __future__ import annotations

import ast
import socket
import subprocess
import sys

import pytest

from remote_completion import decide, fetch
from tests.request.smtp_servers import smtp_server
from tests.security import corpus as corpus_mod
from tests.security import figures, taskstore
from tests.security.test_corpus import NOW, parse_verdicts, settings
from tests.support.lanes import REPO


def test_fetch_side_sends_only_through_the_outcome_reply():
    code = ("import sys\n"
            "import remote_completion.push, remote_completion.claims, remote_completion.drain\n"
            "import remote_completion.authresults, remote_completion.reply\n"
            "import remote_completion.decide, remote_completion.imap\n"
            "print(sorted(m for m in sys.modules if 'smtp' in m.lower()))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         cwd=REPO, env={"PYTHONPATH": str(REPO / "plugin")})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
    # In fetch.py, only send_outcome touches smtp (or Graph's sending).
    tree = ast.parse((REPO / "plugin" / "remote_completion" / "fetch.py").read_text())
    users = set()
    for func in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)):
        for node in ast.walk(func):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                    and node.value.id in ("smtp", "graph") and node.attr == "send_messages":
                users.add(func.name)
    assert users == {"send_outcome"}
    # and the job script calls the fetch cycle only
    job = (REPO / "ext" / "remoteCompletion" / "FetchMail.py").read_text()
    assert "smtp" not in job.lower()


def automatic_mail_corpus():
    """From the corpus: valid replies plus every automatic kind and the plugin's own mail."""
    full = corpus_mod.build()
    keep = [e for e in full.entries if e.category in ("auto-reply", "self-sent")]
    keep += [e for e in full.entries if e.category == "valid"][:10]
    full.entries = keep
    return full


@pytest.mark.dovecot
@pytest.mark.parametrize("answers", [False, True], ids=["outcome-replies-off", "on"])
def test_fetch_cycles_connect_to_nothing_but_imap(mailbox, plugin_log, monkeypatch, answers):
    server, user, password = mailbox
    corpus = automatic_mail_corpus()
    store = taskstore.MemoryTaskStore()
    corpus.store_init(store, corpus.imap_ci(server.host, server.port, user, password))
    for e in corpus.entries:
        server.append(user, e.raw)
    # The mailbox's own address writes to itself too (a forwarding loop).
    first_valid = next(e for e in corpus.entries if e.category == "valid")
    loop = first_valid.raw.replace(
        b"From: ", b"From: %s\r\nX-Old-From: " % corpus_mod.MAILBOX.encode(), 1
    )
    server.append(user, loop)

    connections = []
    real_connect = socket.socket.connect

    def spy_connect(sock, address):
        connections.append(address)
        return real_connect(sock, address)

    with smtp_server("plain") as (smtp_port, trap):
        def with_smtp(data):
            data["smtp"] = {
                "id": "Configuration/mail/SmtpServer", "title": "SMTP", "host": "127.0.0.1",
                "port": smtp_port, "tls": False, "fromAddress": "xlr@corp.com", "username": None,
                "password": None}
        store.update(with_smtp)
        monkeypatch.setattr(socket.socket, "connect", spy_connect)
        monkeypatch.setattr(fetch, "_limiter", [None])
        summaries = [fetch.run_fetch_cycle(settings=settings(outcome_replies=answers), now=NOW,
                                           **taskstore.apis(store))
                     for _ in range(3)]
        monkeypatch.setattr(socket.socket, "connect", real_connect)
        delivered = len(trap.messages)
        answered = [m[1][0] for m in trap.messages]

    ports = sorted(set(a[1] for a in connections if isinstance(a, tuple)))
    verdicts = parse_verdicts(plugin_log.records)
    by_reason = {}
    for outcomes in verdicts.values():
        for kind, value in outcomes:
            by_reason[value] = by_reason.get(value, 0) + 1
    figures.record("loop-safety", {"messages": len(corpus.entries) + 1, "cycles": 3,
                                   "ports_connected": ports, "imap_port": server.port,
                                   "smtp_messages_sent": delivered, "verdicts": by_reason})
    valid = [e for e in corpus.entries if e.category == "valid"]
    if not answers:
        assert ports == [server.port]
        assert delivered == 0
    else:
        # Only the people whose replies acted hear back: no automatic mail,
        # no answer to the mailbox itself (the loop mail), all marked automatic.
        assert ports == sorted([server.port, smtp_port])
        assert delivered == len(valid)
        assert corpus_mod.MAILBOX not in answered
        assert all(b"Auto-Submitted: auto-replied" in m[2] for m in trap.messages)
    assert all(s.error is None for s in summaries)
    assert (
        summaries[0].total == len(corpus.entries) + 1
        and summaries[1].total == summaries[2].total == 0
    )
    # one verdict per message, and the expected ones
    uids = sorted(verdicts)
    assert len(uids) == len(corpus.entries) + 1 and all(len(verdicts[u]) == 1 for u in uids)
    assert (
        by_reason[decide.AUTO_REPLY]
        == sum(1 for e in corpus.entries if e.category == "auto-reply") + 1
    )
    assert by_reason[decide.SELF_SENT] == 6
    assert verdicts[uids[-1]] == [("ignore", decide.BAD_SIGNATURE)]  # the loop mail: wrong sender
    assert by_reason["COMPLETE"] + by_reason["FAIL"] == 10
