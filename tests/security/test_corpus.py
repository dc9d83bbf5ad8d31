"""The adversarial corpus (tests/security/corpus.py) through the real fetcher.

Main run: every message is appended to a real Dovecot mailbox and one
``run_fetch_cycle`` (the function the fetch job calls) processes them, with a
real task model behind the script APIs.  Figures: 0 crashes, 0 wrong actions,
0 missed actions, exactly one logged verdict per message.
"""
from __future__ import annotations

import collections
import datetime
import logging
import re
import time

import pytest

from remote_completion import decide, fetch, host, imap, logs, reply
from remote_completion import settings as settings_mod
from tests.security import corpus as corpus_mod
from tests.security import figures, taskstore

VERDICT = re.compile(
    r"^Remote completion: mail (\d+) from .*? for .*?: "
    r"(recorded COMPLETE on the task|recorded FAIL on the task|ignored \(([a-z-]+)\)|"
    r"kept for the next cycle \(([a-z-]+)\))"
)
NOW = datetime.datetime(2026, 11, 25, 12, 0, 0)


def settings(**kw):
    values = dict(max_message_size=corpus_mod.MAX_MESSAGE_SIZE, batch_size=50, network_timeout=20.0)
    values.update(kw)
    return settings_mod.Settings(**values)


def parse_verdicts(records):
    """{uid: [outcome]} with outcome ('act', ACTION) or ('ignore'|'keep', reason)."""
    out = collections.defaultdict(list)
    for record in records:
        m = VERDICT.match(record.getMessage())
        if not m:
            continue
        uid = int(m.group(1))
        if m.group(2) == "recorded COMPLETE on the task":
            out[uid].append(("act", "COMPLETE"))
        elif m.group(2) == "recorded FAIL on the task":
            out[uid].append(("act", "FAIL"))
        elif m.group(3):
            out[uid].append(("ignore", m.group(3)))
        else:
            out[uid].append(("keep", m.group(4)))
    return out


def judge(corpus, entry_of_key, verdicts, store):
    """Compare outcomes with expectations; returns the figures."""
    problems = []
    acted = store.actions_by_task()
    names = {"COMPLETE": "COMPLETE", "FAIL": "FAIL"}   # the verdicts recorded
    expected_acts = {}
    either = {}
    for e in corpus.entries:
        if e.expect.kind == "act":
            expected_acts[e.expect.task] = e.expect.action
        elif e.expect.kind == "either":
            either[e.expect.task] = e.expect.action
    wrong = 0
    doubled = 0
    for task, actions in acted.items():
        if len(actions) > 1:
            doubled += 1
            problems.append("task acted %d times: %s" % (len(actions), task))
        want = expected_acts.get(task) or either.get(task)
        if want is None or names[actions[0]] != want:
            wrong += 1
            problems.append("wrong action %s on %s (expected %s)" % (actions, task, want))
    missed = [t for t in expected_acts if t not in acted]
    problems += ["missed action on %s" % t for t in missed]
    verdict_counts = collections.Counter()
    reason_mismatch = 0
    multi = 0
    for key, e in entry_of_key.items():
        got = verdicts.get(key, [])
        if len(got) != 1:
            multi += 1
            problems.append(
                "entry %d (%s/%s) has %d verdicts" % (e.number, e.category, e.name, len(got))
            )
            continue
        kind, value = got[0]
        verdict_counts[value if kind != "act" else "acted"] += 1
        ex = e.expect
        if ex.kind == "act":
            ok = kind == "act" and value == ex.action
        elif ex.kind == "ignore":
            ok = kind == "ignore" and value in ex.reasons
        else:
            ok = (kind == "act" and value == ex.action) or (
                kind == "ignore" and value in ex.reasons
            )
        if not ok:
            reason_mismatch += 1
            problems.append(
                "entry %d (%s/%s): expected %s %s %s, got %s %s"
                % (
                    e.number, e.category, e.name, ex.kind, ex.action or "", sorted(ex.reasons),
                    kind, value)
            )
    return {
        "messages": len(entry_of_key),
        "wrong_actions": wrong,
        "doubled_actions": doubled,
        "missed_actions": len(missed),
        "messages_without_exactly_one_verdict": multi,
        "unexpected_verdicts": reason_mismatch,
        "tasks_acted": len(acted),
        "verdicts": dict(sorted(verdict_counts.items())),
        "categories": corpus.counts(),
    }, problems


def test_corpus_is_deterministic_and_large_enough():
    a, b = corpus_mod.build(), corpus_mod.build()
    assert len(a.entries) >= 500
    assert [e.raw for e in a.entries] == [e.raw for e in b.entries]
    assert corpus_mod.build(seed=1).entries[0].raw != a.entries[0].raw
    kinds = collections.Counter(e.expect.kind for e in a.entries)
    assert kinds["act"] >= 100 and kinds["ignore"] >= 300
    # no secret in the corpus text (it carries signatures, never the key)
    blob = b"".join(e.raw for e in a.entries)
    assert corpus_mod.SECRET.encode() not in blob and corpus_mod.OLD_SECRET.encode() not in blob


def append_corpus(server, user, corpus):
    """Appends every corpus message to the user's INBOX with its internal
    date; returns ({uid: entry}, numbers of the messages Dovecot refused)."""
    client = server.client(user)
    entry_of_uid = {}
    refused = []
    try:
        for e in corpus.entries:
            when = (NOW - datetime.timedelta(days=e.internaldate_days_ago)).replace(
                tzinfo=datetime.timezone.utc)
            typ, data = client.append("INBOX", None, imap_date(when), e.raw)
            if typ != "OK":
                refused.append(e.number)
                continue
            m = re.search(rb"APPENDUID \d+ (\d+)", data[0] or b"")
            entry_of_uid[int(m.group(1))] = e
    finally:
        client.logout()
    return entry_of_uid, refused


@pytest.mark.dovecot
@pytest.mark.slow
def test_corpus_through_the_fetch_cycle_on_dovecot(mailbox, plugin_log):
    server, user, password = mailbox
    corpus = corpus_mod.build()
    store = taskstore.MemoryTaskStore()
    corpus.store_init(
        store, corpus.imap_ci(server.host, server.port, user, password, quarantine="Quarantine")
    )
    logs.register_secret(password)

    started = time.monotonic()
    entry_of_uid, refused = append_corpus(server, user, corpus)
    appended = time.monotonic() - started

    plugin_log.clear()
    started = time.monotonic()
    summary = fetch.run_fetch_cycle(settings=settings(), now=NOW, **taskstore.apis(store))
    cycle_seconds = time.monotonic() - started
    records = list(plugin_log.records)
    errors = [r.getMessage() for r in records if r.levelname in ("ERROR", "CRITICAL")]

    verdicts = parse_verdicts(records)
    result, problems = judge(corpus, entry_of_uid, verdicts, store)

    # A second cycle finds nothing left and changes nothing.
    plugin_log.clear()
    second = fetch.run_fetch_cycle(settings=settings(), now=NOW, **taskstore.apis(store))
    left_in_inbox = server.count(user)
    quarantined = server.count(user, "Quarantine")

    result.update({
        "seed": corpus.seed,
        "refused_by_server_on_append": len(refused),
        "crashes": (1 if summary.error else 0) + len(errors),
        "append_seconds": round(appended, 2),
        "fetch_cycle_seconds": round(cycle_seconds, 2),
        "quarantined": quarantined,
        "left_in_inbox": left_in_inbox,
        "second_cycle_messages": second.total,
    })
    figures.record("corpus-dovecot", result)
    assert not problems, "\n".join(problems[:40])
    assert summary.error is None and not errors, errors[:5]
    assert result["wrong_actions"] == result["doubled_actions"] == result["missed_actions"] == 0
    assert result["messages_without_exactly_one_verdict"] == 0
    assert not refused, refused
    assert left_in_inbox == 0 and second.total == 0
    # Every message that did not act sits in quarantine; acted ones are gone.
    assert quarantined == len(entry_of_uid) - summary.acted
    assert summary.acted == result["tasks_acted"]


def imap_date(when):
    import imaplib
    return imaplib.Time2Internaldate(when)


def test_corpus_through_parse_and_decide_in_process():
    """The same corpus without an IMAP server (runs on any machine): the
    fetcher's per-message step (``fetch._handle``: parse, decide, act, log)."""
    corpus = corpus_mod.build()
    store = taskstore.MemoryTaskStore()
    corpus.store_init(store, corpus.imap_ci("imap.invalid", 143, "u", "p"))
    apis = taskstore.apis(store)
    config = host.find_imap_config(apis["configurationApi"])
    handler = _ListHandler()
    logger = logging.getLogger(logs.LOGGER_NAME)
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logs.TRACE)
    started = time.monotonic()
    crashes = 0
    worst = (0.0, None)
    try:
        for e in corpus.entries:
            one = time.monotonic()
            when = NOW - datetime.timedelta(days=e.internaldate_days_ago)
            meta = imap.FetchedMeta(e.number, len(e.raw), when.strftime("%d-%b-%Y %H:%M:%S +0000"),
                                    e.raw[:fetch.HEADER_BYTES])
            try:
                if len(e.raw) > corpus_mod.MAX_MESSAGE_SIZE:
                    parsed = reply.parse_reply(meta.header, headers_only=True)
                    fetch._log_verdict(
                        logs.get_logger(), e.number, parsed, decide.too_large(parsed)
                    )
                else:
                    parsed = reply.parse_reply(e.raw, max_bytes=corpus_mod.MAX_MESSAGE_SIZE)
                    fetch._handle(
                        e.number, parsed, meta, config, host.Apis(**apis), logs.get_logger(), NOW
                    )
            except Exception:
                crashes += 1
            took = time.monotonic() - one
            if took > worst[0]:
                worst = (took, e.number)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
    seconds = time.monotonic() - started
    verdicts = parse_verdicts(handler.records)
    result, problems = judge(corpus, {e.number: e for e in corpus.entries}, verdicts, store)
    result.update({"seed": corpus.seed, "crashes": crashes, "seconds": round(seconds, 2),
                   "worst_message_seconds": round(worst[0], 3), "worst_message": worst[1],
                   "largest_mail_bytes": max(len(e.raw) for e in corpus.entries)})
    figures.record("corpus-in-process", result)
    assert crashes == 0
    assert not problems, "\n".join(problems[:40])


class _ListHandler(logging.Handler):
    """Keeps every record (caplog is per test phase)."""

    def __init__(self):
        logging.Handler.__init__(self, level=0)
        self.records = []

    def emit(self, record):
        self.records.append(record)
