"""Sender authentication switched on, through the real fetch cycle on Dovecot."""
from __future__ import annotations

import pytest

from remote_completion import decide, fetch
from tests.security import corpus as corpus_mod
from tests.security import figures, taskstore
from tests.security.test_corpus import NOW, parse_verdicts, settings

PINNED = "mx.corp.com"


def with_results(raw, *values):
    headers = b"".join(b"Authentication-Results: " + v.encode() + b"\r\n" for v in values)
    return headers + raw


CASES = [
    # (name, Authentication-Results values, expected: action or reason)
    (
        "dmarc-pass",
        [
            PINNED + "; dkim=pass header.d=corp.com; spf=pass smtp.mailfrom=corp.com; "
            "dmarc=pass (p=reject) header.from=corp.com"
        ],
        "act",
    ),
    (
        "dkim-subdomain-pass",
        [PINNED + "; dkim=pass (2048-bit key) header.d=mail.corp.com header.i=@mail.corp.com"],
        "act"),
    ("forged-other-id", ["mx.evil.io; dmarc=pass header.from=corp.com"], decide.NOT_AUTHENTICATED),
    ("none-at-all", [], decide.NOT_AUTHENTICATED),
    (
        "forged-pass-beside-real-fail",
        [
            PINNED + "; dmarc=pass header.from=corp.com",
            PINNED + "; spf=fail smtp.mailfrom=corp.com; dmarc=fail header.from=corp.com"],
        decide.NOT_AUTHENTICATED,
    ),
    (
        "lookalike-domain",
        [
            PINNED
            + "; dkim=pass header.d=corp.com.evil.io; dmarc=pass header.from=corp.com.evil.io"
        ],
        decide.NOT_AUTHENTICATED,
    ),
    (
        "quoted-envelope-injection",
        [PINNED + '; spf=pass smtp.mailfrom="x;dkim=pass header.d=corp.com;"@evil.io'],
        decide.NOT_AUTHENTICATED),
    (
        "office365-no-id",
        [
            "spf=pass (sender IP is 40.107.22.56) smtp.mailfrom=corp.com; dkim=pass "
            "header.d=corp.com;"
            "dmarc=pass action=none header.from=corp.com"
        ],
        decide.NOT_AUTHENTICATED,
    ),
]


@pytest.mark.dovecot
def test_sender_authentication_in_the_fetch_cycle(mailbox, plugin_log):
    server, user, password = mailbox
    b = corpus_mod.Builder(21)
    expected = {}
    for name, values, outcome in CASES:
        task = b.task()
        b.add(
            "auth",
            name,
            with_results(b.reply("COMPLETE", task), *values),
            corpus_mod.Expect.act("COMPLETE", task)
            if outcome == "act"
            else corpus_mod.Expect.ignore(outcome),
        )
        expected[len(b.entries)] = outcome
    corpus = corpus_mod.Corpus(21, b.entries, b.tasks, b.releases, b.teams)
    store = taskstore.MemoryTaskStore()
    ci = corpus.imap_ci(server.host, server.port, user, password)
    ci.update(requireSenderAuthentication=True, authservId=PINNED)
    corpus.store_init(store, ci)
    for e in corpus.entries:
        server.append(user, e.raw)
    summary = fetch.run_fetch_cycle(settings=settings(), now=NOW, **taskstore.apis(store))
    verdicts = parse_verdicts(plugin_log.records)
    got = {uid: (v[0][1] if v[0][0] == "ignore" else "act") for uid, v in verdicts.items()}
    figures.record("sender-authentication", {"cases": [c[0] for c in CASES], "verdicts": got})
    assert summary.error is None
    assert got == expected
    assert summary.acted == 2
