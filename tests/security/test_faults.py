"""Fault injection against the real Dovecot: nothing lost, nothing doubled.

- The IMAP connection is cut at every protocol step of a fetch cycle (a
  loopback proxy counts the client's command lines): before the command
  reaches the server, and after the server has done it but before the client
  hears the answer.
- The server itself is stopped at every step, then restarted.
- The task API fails transiently at chosen calls, before or after its change
  is written.

After each fault, ordinary cycles run (as if the claim timeout had passed,
so claims left by the broken cycle are taken back).  Figures: lost actions
(a genuine reply that never acted), doubled actions, wrong actions, API calls
refused because a task was no longer in progress, cycles that raised.
"""
from __future__ import annotations

import collections
import time

import pytest

from remote_completion import claims as claims_mod
from remote_completion import fetch
from tests.security import corpus as corpus_mod
from tests.security import figures, taskstore
from tests.security.conftest import add_user
from tests.security.faultproxy import FaultProxy
from tests.security.test_corpus import NOW, settings

RECOVERY_CYCLES = 4
SETTINGS = dict(batch_size=3, network_timeout=10.0)


def small_corpus(seed):
    """4 genuine replies (2 complete, 2 fail) and 3 that must be ignored."""
    b = corpus_mod.Builder(seed)
    for action, shape, user in (("COMPLETE", "plain", "alice"), ("FAIL", "gmail", "bob"),
                                ("COMPLETE", "outlook", "carol"), ("FAIL", "qp", "alice")):
        # bob answers as a member of the task's team: the fetcher reads the teams
        task = b.task(owner=None, team="Ops") if user == "bob" else b.task(owner=user)
        b.add("valid", "%s/%s" % (action, shape), b.reply(action, task, user, shape=shape),
              corpus_mod.Expect.act(action, task))
    task = b.task()
    b.add(
        "forged", "forged", b.reply("COMPLETE", task, sig="v1." + "ab" * 32),
        corpus_mod.Expect.ignore("bad-signature"))
    task = b.task()
    b.add("auto", "auto", b.reply("FAIL", task, headers_extra=[("Auto-Submitted", "auto-replied")]),
          corpus_mod.Expect.ignore("auto-reply"))
    b.add(
        "garbage",
        "garbage",
        b"From: x@corp.com\r\nTo: %s\r\nMessage-ID: <garbage-%d@x>\r\n\r\nhello\r\n"
        % (corpus_mod.MAILBOX.encode(), seed),
        corpus_mod.Expect.ignore("no-metadata"),
    )
    return corpus_mod.Corpus(
        seed=seed, entries=b.entries, tasks=b.tasks, releases=b.releases, teams=b.teams
    )


class Scenario:
    def __init__(self, server, user, password, port, corpus):
        self.server, self.user, self.corpus = server, user, corpus
        self.store = taskstore.MemoryTaskStore()
        corpus.store_init(
            self.store, corpus.imap_ci("127.0.0.1", port, user, password, quarantine="Quarantine")
        )
        server.append_all(user, [e.raw for e in corpus.entries])
        self.raised = 0
        self.cycles = 0

    def cycle(self, faults=None):
        self.cycles += 1
        try:
            return fetch.run_fetch_cycle(settings=settings(**SETTINGS), now=NOW,
                                         **taskstore.apis(self.store, faults=faults))
        except Exception:  # a cycle must never raise: count it
            self.raised += 1
            return None

    def recover(self, monkeypatch):
        """Ordinary cycles until the mailbox is empty; returns how many ran."""
        later = time.time() + 3 * claims_mod.DEFAULT_TIMEOUT
        monkeypatch.setattr(claims_mod, "_clock", lambda: later)
        runs = 0
        last = None
        for _ in range(RECOVERY_CYCLES):
            if self.server.count(self.user) == 0:
                break
            last = self.cycle()
            runs += 1
        monkeypatch.setattr(claims_mod, "_clock", lambda: time.time())
        self.last = last
        return runs

    def outcome(self):
        acts = self.store.actions_by_task()
        return dict(mailbox_outcome(self.corpus, acts, self.server, self.user),
                    refused=len(self.store.refused()))

    def check(self, outcome, label):
        return check(self.corpus, self.raised, outcome, label)


def mailbox_outcome(corpus, acts, server, user):
    """A fault scenario's figures: the corpus's lost, doubled and wrong actions
    among ``acts`` ({task: [action, ...]}), and what is left in the user's
    INBOX and quarantine."""
    return dict(corpus.action_counts(acts), inbox=server.count(user),
                quarantine=server.count(user, "Quarantine"),
                quarantine_duplicates=quarantine_duplicates(server, user))


def quarantine_duplicates(server, user):
    c = server.client(user)
    try:
        typ, _ = c.select("Quarantine", readonly=True)
        if typ != "OK":
            return 0
        typ, data = c.fetch("1:*", "(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
        ids = [item[1].strip().lower() for item in data if isinstance(item, tuple)]
        return len(ids) - len(set(ids))
    finally:
        c.logout()


def check(corpus, raised, outcome, label):
    """What is wrong with one scenario's ``outcome``, a line each; ``raised``:
    how many of its cycles raised."""
    junk = sum(1 for e in corpus.entries if e.expect.kind != "act")
    problems = []
    for key in ("lost", "doubled", "wrong"):
        if outcome[key]:
            problems.append("%s: %d %s" % (label, outcome[key], key))
    if outcome["inbox"]:
        problems.append("%s: %d message(s) left in INBOX" % (label, outcome["inbox"]))
    # Every ignored mail ends in quarantine.  A genuine reply that acted but
    # whose removal was cut off is judged again next cycle ("task not in
    # progress") and quarantined too: an extra copy of evidence, not a loss.
    valid = len(corpus.entries) - junk
    if not junk <= outcome["quarantine"] <= junk + valid:
        problems.append("%s: quarantine holds %d, expected %d to %d" % (
            label, outcome["quarantine"], junk, junk + valid))
    if outcome["quarantine_duplicates"]:
        problems.append(
            "%s: %d message(s) twice in quarantine" % (label, outcome["quarantine_duplicates"])
        )
    if raised:
        problems.append("%s: a cycle raised" % label)
    return problems


def command_names(lines):
    names = []
    for line in lines:
        parts = line.decode("ascii", "replace").split()
        if len(parts) >= 2:
            names.append(
                " ".join(parts[1:3]).upper() if parts[1].upper() == "UID" else parts[1].upper()
            )
        else:
            names.append("(continuation)")
    return names


@pytest.mark.dovecot
@pytest.mark.slow
def test_connection_cut_at_every_step(dovecot, monkeypatch, plugin_log):
    proxy = FaultProxy(dovecot.host, dovecot.port)
    started = time.monotonic()
    try:
        user, password = add_user(dovecot)
        base = Scenario(dovecot, user, password, proxy.port, small_corpus(1))
        first = base.cycle()
        assert first is not None and first.error is None
        # LOGOUT's answer is not awaited: every line is there once the proxy is done.
        assert proxy.ended[-1].wait(30)
        steps = command_names(proxy.commands[-1])
        assert base.check(base.outcome(), "no fault") == []

        problems, totals, recoveries = [], collections.Counter(), collections.Counter()
        for mode in ("before", "after"):
            for step in range(1, len(steps) + 1):
                user, password = add_user(dovecot)
                scenario = Scenario(dovecot, user, password, proxy.port, small_corpus(1))
                proxy.cut_at(step, mode)
                broken = scenario.cycle()
                assert not proxy.armed
                runs = scenario.recover(monkeypatch)
                recoveries[runs] += 1
                outcome = scenario.outcome()
                for key, value in outcome.items():
                    totals[key] += value
                label = "cut %s %s (#%d)" % (mode, steps[step - 1], step)
                problems += scenario.check(outcome, label)
                if broken is not None and broken.error is None and steps[step - 1] != "LOGOUT":
                    problems.append("%s: the broken cycle reported no error" % label)
                if scenario.last is not None and scenario.last.error is not None:
                    problems.append(
                        "%s: the recovery cycle failed: %s" % (label, scenario.last.error)
                    )
        figures.record(
            "faults-connection-cuts",
            {
                "steps_per_cycle": len(steps),
                "steps": steps,
                "cuts": proxy.cuts,
                "scenarios": 2 * len(steps),
                "lost_actions": totals["lost"],
                "doubled_actions": totals["doubled"],
                "wrong_actions": totals["wrong"],
                "api_refusals": totals["refused"],
                "acted_replies_quarantined_after_an_interrupted_removal": totals["quarantine"]
                - 3 * 2 * len(steps),
                "recovery_cycles_needed": dict(sorted(recoveries.items())),
                "seconds": round(time.monotonic() - started, 1),
            },
        )
        assert proxy.cuts == 2 * len(steps)
        assert not problems, "\n".join(problems)
    finally:
        proxy.close()


@pytest.mark.dovecot
@pytest.mark.slow
def test_server_stopped_at_every_step(private_dovecot, monkeypatch, plugin_log):
    server = private_dovecot
    proxy = FaultProxy(server.host, server.port)
    users = iter(sorted((u for u in server.users if u.startswith("rp")), key=lambda u: int(u[2:])))
    started = time.monotonic()
    try:
        user = next(users)
        base = Scenario(server, user, server.users[user], proxy.port, small_corpus(2))
        assert base.cycle().error is None
        assert proxy.ended[-1].wait(30)
        steps = command_names(proxy.commands[-1])
        # Each kind of command once (a Dovecot shutdown takes a second).
        first_of_kind = sorted(
            dict((name, i + 1) for i, name in reversed(list(enumerate(steps)))).values()
        )
        problems, totals, outages = [], collections.Counter(), 0
        for step in first_of_kind:
            user = next(users)
            scenario = Scenario(server, user, server.users[user], proxy.port, small_corpus(2))
            proxy.cut_at(step, "hook", on_cut=server.stop)
            broken = scenario.cycle()
            down = scenario.cycle()          # the server is still down: a clean failure
            if down is not None and down.error == "imap":
                outages += 1
            server.start()
            scenario.recover(monkeypatch)
            outcome = scenario.outcome()
            for key, value in outcome.items():
                totals[key] += value
            label = "server stopped at %s (#%d)" % (steps[step - 1], step)
            problems += scenario.check(outcome, label)
            if broken is None or (broken.error is None and steps[step - 1] != "LOGOUT"):
                problems.append("%s: the broken cycle did not fail cleanly" % label)
        figures.record(
            "faults-server-stops",
            {
                "steps_per_cycle": len(steps), "restarts": len(first_of_kind),
                "stopped_at": [steps[i - 1] for i in first_of_kind],
                "clean_failures_while_down": outages, "lost_actions": totals["lost"],
                "doubled_actions": totals["doubled"], "wrong_actions": totals["wrong"],
                "api_refusals": totals["refused"], "seconds": round(time.monotonic() - started, 1)
            },
        )
        assert outages == len(first_of_kind)
        assert not problems, "\n".join(problems)
    finally:
        proxy.close()
        if server.process is None:
            server.start()


API_FAULTS = ([("getTask", "before", n) for n in (1, 2, 3, 5)]
              + [(m, s, n) for m in ("commentTask",) for s in ("before", "after") for n in (1, 2)]
              # One getTeams a cycle (bob's reply): the audit's full name comes
              # from the assignee the judge found, with no second lookup.
              + [("getTeams", "before", 1)])
USER_FAULTS = [("getUser", "before", n) for n in (1, 2, 3)]


@pytest.mark.dovecot
@pytest.mark.slow
def test_task_api_fails_transiently(dovecot, monkeypatch, plugin_log):
    api_faults(dovecot, monkeypatch, API_FAULTS, "faults-task-api")


@pytest.mark.dovecot
@pytest.mark.slow
def test_user_directory_fails_transiently(dovecot, monkeypatch, plugin_log):
    api_faults(dovecot, monkeypatch, USER_FAULTS, "faults-user-api")


def api_faults(dovecot, monkeypatch, plan, name):
    problems, totals, kept = [], collections.Counter(), 0
    started = time.monotonic()
    for method, stage, number in plan:
        user, password = add_user(dovecot)
        scenario = Scenario(dovecot, user, password, dovecot.port, small_corpus(3))
        faults = taskstore.Faults({method: {number: stage}})
        first = scenario.cycle(faults)
        assert faults.raised == 1, (method, stage, number)
        kept += first.kept if first is not None else 0
        scenario.recover(monkeypatch)
        outcome = scenario.outcome()
        for key, value in outcome.items():
            totals[key] += value
        problems += scenario.check(outcome, "%s fails %s call #%d" % (method, stage, number))
    figures.record(
        name,
        {
            "scenarios": len(plan), "faults_injected": len(plan), "mails_kept_for_retry": kept,
            "lost_actions": totals["lost"], "doubled_actions": totals["doubled"],
            "wrong_actions": totals["wrong"], "api_refusals": totals["refused"],
            "seconds": round(time.monotonic() - started, 1)},
    )
    assert not problems, "\n".join(problems)
