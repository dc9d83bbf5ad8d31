"""Two fetchers on one mailbox at once (two processes, as two cluster nodes),
sharing one task model (a JSON file under flock, tests/security/taskstore.py):
each reply acts exactly once, and claims left by a fetcher that died are
taken back after the claim timeout.
"""
from __future__ import annotations

import collections
import json
import os
import socket
import subprocess
import sys
import time

import pytest

from remote_completion import claims as claims_mod
from remote_completion import drain
from tests.security import corpus as corpus_mod
from tests.security import figures, taskstore
from tests.security.test_corpus import VERDICT
from tests.support.lanes import REPO

VALID, JUNK = 60, 20


def world(seed):
    b = corpus_mod.Builder(seed)
    shapes = ["plain", "gmail", "outlook", "qp", "flowed"]
    for i in range(VALID):
        action = "COMPLETE" if i % 3 else "FAIL"
        task = b.task()
        b.add("valid", "v%d" % i, b.reply(action, task, "alice", shape=shapes[i % len(shapes)]),
              corpus_mod.Expect.act(action, task))
    for i in range(JUNK):
        task = b.task()
        b.add(
            "forged",
            "f%d" % i,
            b.reply(
                "COMPLETE", task, sig="v2.%s.%064x" % (corpus_mod.RUN, b.rng.getrandbits(256))
            ),
            corpus_mod.Expect.ignore("bad-signature"),
        )
    return corpus_mod.Corpus(
        seed=seed, entries=b.entries, tasks=b.tasks, releases=b.releases, teams=b.teams
    )


def prepare(mailbox, tmp_path, seed):
    server, user, password = mailbox
    corpus = world(seed)
    store = taskstore.TaskStore(tmp_path / "tasks.json")
    corpus.store_init(store, corpus.imap_ci(server.host, server.port, user, password))
    server.append_all(user, [e.raw for e in corpus.entries])
    return server, user, corpus, store


def run_workers(store, tmp_path, specs, timeout=120):
    """specs: [(node, mode, clock_offset)] started together; returns per node
    (exit code, summary dict or None, verdict list [(uid, outcome)])."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(len(specs))
    listener.settimeout(60)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO / "plugin"), str(REPO)]))
    procs = []
    for node, mode, offset in specs:
        err = open(tmp_path / ("%s.err" % node), "w")
        out = open(tmp_path / ("%s.out" % node), "w")
        procs.append((node, subprocess.Popen(
            [sys.executable, "-m", "tests.security.fetch_worker", str(store.path), node,
             str(listener.getsockname()[1]), mode, str(offset)],
            cwd=REPO, env=env, stdout=out, stderr=err), out, err))
    conns = []
    try:
        for _ in specs:
            conn, _ = listener.accept()
            conn.settimeout(60)
            assert conn.recv(10).startswith(b"ready")
            conns.append(conn)
        for conn in conns:      # all ready: let them go at once
            conn.sendall(b"go\n")
        results = {}
        for node, proc, out, err in procs:
            code = proc.wait(timeout)
            out.close()
            err.close()
            lines = (tmp_path / ("%s.out" % node)).read_text().splitlines()
            summary = json.loads(lines[-1]) if lines and lines[-1].startswith("{") else None
            verdicts = []
            for line in (tmp_path / ("%s.err" % node)).read_text().splitlines():
                m = VERDICT.match(line)
                if m:
                    verdicts.append((int(m.group(1)), m.group(2)))
            results[node] = (code, summary, verdicts)
        return results
    finally:
        for conn in conns:
            conn.close()
        listener.close()
        for _node, proc, _out, _err in procs:
            if proc.poll() is None:
                proc.kill()


def exactly_once(corpus, store):
    return dict(corpus.action_counts(store.actions_by_task()), refused=len(store.refused()),
                verdict_writes=store.verdict_writes())


@pytest.mark.dovecot
@pytest.mark.slow
def test_two_fetchers_act_exactly_once(mailbox, tmp_path):
    server, user, corpus, store = prepare(mailbox, tmp_path, seed=11)
    started = time.monotonic()
    results = run_workers(store, tmp_path, [("node-a", "normal", 0), ("node-b", "normal", 0)])
    seconds = time.monotonic() - started
    per_uid = collections.Counter(
        uid for _c, _s, verdicts in results.values() for uid, _o in verdicts
    )
    figures_ = exactly_once(corpus, store)
    figures_.update({
        "messages": len(corpus.entries), "genuine": VALID,
        "acted_by_node": {n: (s or {}).get("acted") for n, (_c, s, _v) in results.items()},
        "handled_by_node": {n: len(v) for n, (_c, _s, v) in results.items()},
        "messages_with_two_verdicts": sum(1 for n in per_uid.values() if n > 1),
        "left_in_inbox": server.count(user), "seconds": round(seconds, 1)})
    figures.record("concurrency-two-nodes", figures_)
    assert all(code == 0 for code, _s, _v in results.values()), results
    assert figures_["lost"] == figures_["doubled"] == figures_["wrong"] == 0
    assert figures_["verdict_writes"] == VALID  # claims: no verdict written twice
    assert sorted(per_uid) == list(range(1, len(corpus.entries) + 1))
    assert figures_["messages_with_two_verdicts"] == 0
    assert figures_["left_in_inbox"] == 0


@pytest.mark.dovecot
@pytest.mark.slow
def test_without_claims_the_task_state_still_prevents_doubled_actions(mailbox, tmp_path):
    """The counterfactual: claims off.  Both nodes may judge the same mail
    and both may write its verdict; the verdict is bound to the mail, so the
    task's waiting script reads it once.  The figures (verdict_writes) show
    what claims save."""
    server, user, corpus, store = prepare(mailbox, tmp_path, seed=12)
    results = run_workers(store, tmp_path, [("node-a", "no-claims", 0), ("node-b", "no-claims", 0)])
    per_uid = collections.Counter(
        uid for _c, _s, verdicts in results.values() for uid, _o in verdicts
    )
    figures_ = exactly_once(corpus, store)
    figures_.update({"messages_with_two_verdicts": sum(1 for n in per_uid.values() if n > 1)})
    figures.record("concurrency-two-nodes-without-claims", figures_)
    assert figures_["lost"] == figures_["doubled"] == figures_["wrong"] == 0
    assert sorted(per_uid) == list(range(1, len(corpus.entries) + 1))


@pytest.mark.dovecot
@pytest.mark.slow
@pytest.mark.parametrize("death", ["die-after-claim", "die-after-act"])
def test_claims_of_a_dead_fetcher_are_taken_back(mailbox, tmp_path, death):
    server, user, corpus, store = prepare(mailbox, tmp_path, seed=13)
    dead = run_workers(store, tmp_path, [("node-dead", death, 0)])
    assert dead["node-dead"][0] == (3 if death == "die-after-claim" else 4)
    stuck = server.count(user)
    # A live node at once: the dead node's claims are fresh, so it leaves them.
    soon = run_workers(store, tmp_path, [("node-live", "normal", 0)])
    left_fresh = server.count(user)
    # After the claim timeout, two live nodes at once take the claims back.
    later = run_workers(
        store,
        tmp_path,
        [
            ("node-late-a", "normal", 3 * claims_mod.DEFAULT_TIMEOUT),
            ("node-late-b", "normal", 3 * claims_mod.DEFAULT_TIMEOUT)],
    )
    figures_ = exactly_once(corpus, store)
    figures_.update(
        {
            "death": death, "left_after_death": stuck, "left_while_claims_fresh": left_fresh,
            "left_at_end": server.count(user)}
    )
    figures.record("concurrency-dead-node-" + death, figures_)
    assert soon["node-live"][0] == 0 and all(r[0] == 0 for r in later.values())
    # The window the dead node had claimed (claims are taken per window of batches).
    assert 0 < left_fresh <= drain.window_size(5)
    assert figures_["left_at_end"] == 0
    assert figures_["lost"] == figures_["doubled"] == figures_["wrong"] == 0
    # A verdict recorded just before the death is found again, not rewritten.
    assert figures_["verdict_writes"] == VALID
