"""The hand-over across processes (cluster nodes) on one mailbox and one
server state (the shared file task store): the waiting script of one task,
on one node, fetches the replies for other tasks and records their
verdicts; each of those tasks' own waiting scripts, on another node, ends
it: returns for Complete, exits with 1 for Fail.  Real ext script, real
Dovecot, no release/Comment variables."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.security import corpus as corpus_mod
from tests.security import taskstore
from tests.support.lanes import REPO


def wait_on_node(store, home, node, task_id, run=corpus_mod.RUN):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO / "plugin"), str(REPO)]),
               XL_RELEASE_SERVER_HOME=str(home))
    done = subprocess.run([sys.executable, "-m", "tests.security.wait_worker", str(store.path),
                           node, task_id, run], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1]), done.stderr


@pytest.mark.dovecot
def test_replies_recorded_on_one_node_end_their_tasks_on_others(mailbox, tmp_path):
    server, user, password = mailbox
    b = corpus_mod.Builder(21)
    waiting, completed, failed = b.task(), b.task(), b.task()
    replies = [b.reply("COMPLETE", completed), b.reply("FAIL", failed)]
    store = taskstore.TaskStore(tmp_path / "tasks.json")
    corpus = corpus_mod.Corpus(seed=21, entries=[], tasks=b.tasks, releases=b.releases,
                               teams=b.teams)
    corpus.store_init(store, corpus.imap_ci(server.host, server.port, user, password))
    for raw in replies:
        server.append(user, raw)
    home = tmp_path / "home"
    (home / "conf").mkdir(parents=True)
    # Polling: each waiting run reads its task. With push on, a verdict written
    # on another node is read by chance about once per sync-interval (notices
    # stay in one JVM); tests/unit/test_xlrpush.py covers that path.
    (home / "conf" / "xl-release.conf").write_text(
        "xl.remote-completion { startup-delay = 0 seconds, sync-interval = 30 seconds,"
        " push-enabled = false }\n")

    # Node A: the first task's waiting script fetches both replies.
    a, log_a = wait_on_node(store, home, "node-a", waiting)
    assert a["code"] is None and a["scheduled"] == [["remoteCompletion/WaitForReply.py", 30]]
    assert server.count(user) == 0
    assert store.actions_by_task() == {completed: ["COMPLETE"], failed: ["FAIL"]}
    assert "recorded COMPLETE" in log_a and "recorded FAIL" in log_a
    tasks = store.read()["tasks"]
    assert tasks[completed]["status"] == tasks[failed]["status"] == "IN_PROGRESS"

    # Nodes B and C: each task's own script ends it the documented way.
    b_result, _ = wait_on_node(store, home, "node-b", completed)
    assert b_result["code"] is None and b_result["scheduled"] == []   # returns: completes
    assert "Completed by email by" in b_result["printed"]
    c_result, _ = wait_on_node(store, home, "node-c", failed)
    assert c_result["code"] == 1 and c_result["scheduled"] == []       # sys.exit(1): fails
    assert "the task fails" in c_result["printed"]

    # A waiting script of another run of that task (retried) finds no verdict.
    retried, _ = wait_on_node(store, home, "node-d", failed, run="1234123412341234")
    assert retried["code"] is None and retried["scheduled"] != []
    assert store.verdict_writes() == 2
