"""tests/jython/checks/check_security.py on real Jython 2.7.3, with a Dovecot
mailbox for the claim checks (authresults and the claims' pure parts run in
the same JVM)."""
from __future__ import annotations

import pytest

from tests.support import lanes

MODULE = "check_security"


@pytest.mark.jython
@pytest.mark.dovecot
def test_security_checks_on_jython(mailbox):
    server, user, password = mailbox
    server.append_all(user, [b"Subject: m%d\r\nFrom: a@corp.com\r\n\r\nbody\r\n" % i
                             for i in range(10)])
    run = lanes.run_jython_checks([MODULE], context={"host": server.host, "port": server.port,
                                                      "user": user, "password": password})
    names = lanes.discover_jython_checks()[MODULE]["checks"]
    assert len(names) >= 6
    failures = {name: run.failure(MODULE, name) for name in names}
    assert {k: v for k, v in failures.items() if v} == {}


# --- issue 11: the parser's security on Jython ---------------------------------------

PARSER_MODULE = "check_parser_security"
FUZZ_EXAMPLES = 150   # per property (CPython runs 300 in test_fuzz_reply.py)


def _fuzz_inputs(monkeypatch):
    """The inputs the hypothesis properties of test_fuzz_reply.py generate
    (derandomized: the same every run), recorded as they reach the parser."""
    import hypothesis

    from remote_completion import reply
    from tests.security import test_fuzz_reply as fuzz
    seen = {}
    original = reply.parse_reply

    def recording(raw, *args, **kwargs):
        seen.setdefault(bytes(raw), None)
        return original(raw, *args, **kwargs)

    monkeypatch.setattr(fuzz, "FUZZ", hypothesis.settings(fuzz.FUZZ, max_examples=FUZZ_EXAMPLES))
    monkeypatch.setattr(reply, "parse_reply", recording)
    for prop in (fuzz.test_arbitrary_bytes_never_raise_and_are_deterministic,
                 fuzz.test_arbitrary_bodies_under_plausible_headers,
                 fuzz.test_bytes_around_a_genuine_reply,
                 fuzz.test_mutated_genuine_replies_never_act_on_what_was_not_signed):
        prop()
    monkeypatch.setattr(reply, "parse_reply", original)
    return list(seen)


def _fingerprint(parsed):
    return {"error": parsed.error, "action": parsed.action, "task_id": parsed.task_id,
            "signature": parsed.signature, "sender": parsed.sender, "to": parsed.to_addresses,
            "cc": parsed.cc_addresses, "auto_reply": parsed.auto_reply,
            "self_sent": parsed.self_sent, "comment": parsed.comment}


def _differences(cpython, jython):
    out = []
    for name, want in sorted(cpython.items()):
        got = dict(jython.get(name) or {})
        got.pop("seconds", None)
        got.pop("bytes", None)
        if got != want:
            diff = {k: (want.get(k), got.get(k)) for k in set(want) | set(got)
                    if want.get(k) != got.get(k)}
            out.append((name, diff))
    return out


@pytest.mark.jython
@pytest.mark.slow
def test_parser_security_on_jython(tmp_path, monkeypatch):
    """The adversarial corpus, the fuzz inputs and the hostile charsets parse
    on Jython 2.7.3 exactly as on CPython (never raising, never decompressing),
    and every parser entry point is linear there too."""
    import json

    from remote_completion import reply
    from tests.security import corpus as corpus_mod
    from tests.security import figures
    corpus = corpus_mod.build()
    dirs = {name: tmp_path / name for name in ("out", "corpus", "charset", "fuzz")}
    for folder in dirs.values():
        folder.mkdir()
    max_size = corpus_mod.MAX_MESSAGE_SIZE
    cpython = {"corpus": {}, "charset-corpus": {}, "fuzz": {}}
    for e in corpus.entries:
        name = "%04d.eml" % e.number
        (dirs["corpus"] / name).write_bytes(e.raw)
        cpython["corpus"][name] = _fingerprint(reply.parse_reply(e.raw, max_bytes=max_size))
        if e.category == "charset":
            (dirs["charset"] / name).write_bytes(e.raw)
            cpython["charset-corpus"][name] = _fingerprint(reply.parse_reply(e.raw))
    fuzz_inputs = _fuzz_inputs(monkeypatch)
    for i, raw in enumerate(fuzz_inputs):
        name = "%05d.bin" % i
        (dirs["fuzz"] / name).write_bytes(raw)
        cpython["fuzz"][name] = _fingerprint(reply.parse_reply(raw, max_bytes=max_size))
    context = {"out_dir": str(dirs["out"]), "corpus_dir": str(dirs["corpus"]),
               "charset_dir": str(dirs["charset"]), "fuzz_dir": str(dirs["fuzz"]),
               "max_message_size": max_size}
    run = lanes.run_jython_checks([PARSER_MODULE], context=context, timeout=1200)
    names = lanes.discover_jython_checks()[PARSER_MODULE]["checks"]
    failures = {name: run.failure(PARSER_MODULE, name) for name in names}

    def result(name):
        return json.loads((dirs["out"] / (name + ".json")).read_text())

    complexity = result("complexity") if (dirs["out"] / "complexity.json").exists() else {}
    corpus_out = result("corpus") if (dirs["out"] / "corpus.json").exists() else {}
    fuzz_out = result("fuzz") if (dirs["out"] / "fuzz.json").exists() else {}
    figures.record("jython-parser", {
        "corpus_messages": len(corpus.entries), "fuzz_inputs": len(fuzz_inputs),
        "largest_mail_bytes": max(len(e.raw) for e in corpus.entries),
        "corpus_worst_seconds": corpus_out.get("worst_seconds"),
        "corpus_worst_message": corpus_out.get("worst_message"),
        "corpus_seconds": corpus_out.get("seconds"), "fuzz_seconds": fuzz_out.get("seconds"),
        "fuzz_worst_seconds": fuzz_out.get("worst_seconds"),
        "max_complexity_ratio": max([v["ratio"] for v in complexity.values()] or [None]),
        "complexity": complexity, "check_seconds": {
            r["name"]: r["seconds"] for r in (run.summary or {}).get("results", [])}})
    failed = {k: v for k, v in failures.items() if v}
    assert not failed, "\n\n".join("%s:\n%s" % item for item in sorted(failed.items()))
    assert len(complexity) == len(parser_shapes_all())
    charsets = result("charsets")
    assert sorted(charsets) == sorted(reply.CHARSETS)
    samples = [bytes(range(256)), b"caf\xc3\xa9 \xe2\x80\x94 ok", b"\x82\xa0\x93\xfa\x96\x7b",
               b"\xa4\xa4\xa4\xe5\x1b$B$\"\x1b(B", b"\xff\xfeh\x00i\x00", b"\x00h\x00i"]
    for name in sorted(reply.CHARSETS):
        assert charsets[name] == [reply.decode_text(s, name) for s in samples], name
    for key in ("charset-corpus", "corpus", "fuzz"):
        got = result(key)
        got = got.get("messages", got)
        assert sorted(got) == sorted(cpython[key]), key
        assert _differences(cpython[key], got) == [], key


def parser_shapes_all():
    import sys
    sys.path.insert(0, str(lanes.JYTHON_CHECKS_DIR))
    import parser_shapes
    return parser_shapes.all_shapes()


# --- the fetch cycle on Jython against the corpus world ------------------------------

def _jython_world(corpus):
    """The task world of ``corpus`` as JSON for check_security_cycle.make_world."""
    from tests.security import corpus as corpus_mod
    return {"secret": corpus_mod.SECRET, "mailbox": corpus_mod.MAILBOX,
            "whitelist": corpus_mod.WHITELIST, "roles": corpus_mod.ROLES, "tasks": corpus.tasks,
            "teams": corpus.teams, "users": {u: [n, e] for u, (n, e) in corpus_mod.USERS.items()}}


def _run_cycle_check(module, check, result, tmp_path, corpus, timeout, **context):
    """Runs ``check`` of the Jython check ``module`` (which drives the fetch
    cycle on ``corpus``'s task world) and returns the JSON it wrote as
    ``<result>.json``."""
    import json

    from tests.security import corpus as corpus_mod
    from tests.security.test_corpus import NOW
    out = tmp_path / "out"
    out.mkdir()
    context.update(world=_jython_world(corpus), out_dir=str(out),
                   max_message_size=corpus_mod.MAX_MESSAGE_SIZE, now=list(NOW.timetuple())[:6])
    run = lanes.run_jython_checks([module], context=context, timeout=timeout,
                                  python_path=[lanes.REPO / "tests" / "jython"])
    failure = run.failure(module, check)
    assert failure is None, failure
    return json.loads((out / (result + ".json")).read_text())


CYCLE_MODULE = "check_security_cycle"


class _Record:
    def __init__(self, level, message):
        self.levelname, self.message = level, message

    def getMessage(self):
        return self.message


class _Actions:
    def __init__(self, actions):
        self.actions = actions

    def actions_by_task(self):
        return _acts(self.actions)


def _acts(actions):
    """{task: [action, ...]} of (task, action) pairs, in their order."""
    out = {}
    for task, name in actions:
        out.setdefault(task, []).append(name)
    return out


@pytest.mark.jython
@pytest.mark.dovecot
@pytest.mark.slow
def test_corpus_through_the_fetch_cycle_on_jython(mailbox, tmp_path):
    """The same corpus and rules as tests/security/test_corpus.py, but the
    fetch cycle runs on Jython 2.7.3 against the same Dovecot."""
    from tests.security import corpus as corpus_mod
    from tests.security import figures
    from tests.security.test_corpus import append_corpus, judge, parse_verdicts
    server, user, password = mailbox
    corpus = corpus_mod.build()
    entry_of_uid, refused = append_corpus(server, user, corpus)
    assert not refused, refused
    result = _run_cycle_check(CYCLE_MODULE, "check_corpus_through_the_fetch_cycle", "cycle",
                              tmp_path, corpus, 1500, host=server.host, port=server.port,
                              user=user, password=password)
    records = [_Record(level, message) for level, message in result["log"]]
    verdicts = parse_verdicts(records)
    figures_, problems = judge(corpus, entry_of_uid, verdicts, _Actions(result["actions"]))
    errors = [r.message for r in records if r.levelname in ("ERROR", "CRITICAL")]
    figures_.update({"seed": corpus.seed, "runtime": "jython", "crashes": len(errors),
                     "fetch_cycle_seconds": result["seconds"],
                     "parse_worst_seconds": result["parse_worst_seconds"],
                     "parse_worst_bytes": result["parse_worst_bytes"],
                     "largest_mail_bytes": max(len(e.raw) for e in corpus.entries),
                     "quarantined": server.count(user, "Quarantine"),
                     "left_in_inbox": server.count(user)})
    figures.record("corpus-dovecot-jython", figures_)
    assert not problems, "\n".join(problems[:40])
    assert not errors, errors[:5]
    for key in ("wrong_actions", "doubled_actions", "missed_actions"):
        assert figures_[key] == 0, key
    assert figures_["messages_without_exactly_one_verdict"] == 0
    assert figures_["left_in_inbox"] == 0
    assert result["second"]["acted"] + result["second"]["ignored"] == 0
    assert figures_["quarantined"] == len(entry_of_uid) - result["summary"]["acted"]


# --- faults on Jython: connection cuts, server stops, API faults ---------------------

FAULTS_MODULE = "check_security_faults"
MAX_STEPS = 30


def _control_server(proxy, server=None):
    """The line protocol the Jython check arms the proxy with (and, given the
    ``server``, stops Dovecot at a command line and starts it again)."""
    import socket
    import threading

    from tests.security.test_faults import command_names
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)

    def serve():
        conn, _ = listener.accept()
        with conn, conn.makefile("rb") as reader:
            for raw in reader:
                words = raw.decode("ascii").split()
                if not words or words[0] == "BYE":
                    conn.sendall(b"OK\n")
                    break
                if words[0] == "CUT":
                    proxy.cut_at(int(words[1]), words[2])
                    answer = "OK"
                elif words[0] == "LINES":
                    proxy.ended[-1].wait(30)   # LOGOUT's answer is not awaited
                    answer = str(len(proxy.commands[-1]))
                elif words[0] == "KINDS" and server is not None:
                    proxy.ended[-1].wait(30)
                    # The first line of each kind of command, as "number:name".
                    names = command_names(proxy.commands[-1])
                    first = sorted(dict((n, i + 1) for i, n in reversed(list(enumerate(names))))
                                   .values())
                    answer = " ".join("%d:%s" % (i, names[i - 1].replace(" ", "_"))
                                      for i in first)
                elif words[0] == "STOP" and server is not None:
                    proxy.cut_at(int(words[1].split(":")[0]), "hook", on_cut=server.stop)
                    answer = "OK"
                elif words[0] == "START" and server is not None:
                    server.start()
                    answer = "OK"
                elif words[0] == "ARMED":
                    answer = "1" if proxy.armed else "0"
                else:
                    answer = "?"
                conn.sendall((answer + "\n").encode("ascii"))
        listener.close()

    threading.Thread(target=serve, daemon=True).start()
    return listener.getsockname()[1]


def _fill(server, users, corpus):
    for user, _ in users:
        server.append_all(user, [e.raw for e in corpus.entries])


def _run_behind_proxy(server, module, check, result, tmp_path, corpus, users, timeout,
                      stops=False):
    """_run_cycle_check with ``users`` reaching ``server`` through a fault
    proxy the check arms over the control protocol (``stops``: and may stop
    and start the server); returns (the check's JSON, the proxy's cuts)."""
    from tests.security.faultproxy import FaultProxy
    proxy = FaultProxy(server.host, server.port)
    try:
        found = _run_cycle_check(
            module, check, result, tmp_path, corpus, timeout, host=server.host, port=server.port,
            proxy_port=proxy.port, users=users,
            control_port=_control_server(proxy, server if stops else None))
        return found, proxy.cuts
    finally:
        proxy.close()
        if server.process is None:
            server.start()


def _judge(server, corpus, sc, acts, label):
    """test_faults.check's figures and problems for one Jython scenario, whose
    actions are ``acts`` ({task: [action, ...]})."""
    from tests.security.test_faults import check, mailbox_outcome
    outcome = mailbox_outcome(corpus, acts, server, sc["user"])
    problems = check(corpus, 1 if sc["raised"] else 0, outcome, label)
    if sc.get("armed_after"):
        problems.append("%s: the proxy was still armed after the cycle" % label)
    if sc["last_error"] is not None:
        problems.append("%s: the recovery cycle failed: %s" % (label, sc["last_error"]))
    return outcome, problems


def _judge_waiting_scripts(server, corpus, sc, label):
    """_judge where an action is a verdict recorded by commentTask, once per
    (task, mail) as the waiting script reads it (taskstore.actions_by_task);
    the waiting scripts (fetch_fakes.World.settle) must then have ended
    exactly the tasks that had a genuine reply, the way it asked."""
    from tests.security import taskstore
    acts, seen = {}, set()
    for task, text in sc["comments"]:
        for action, mail in taskstore._VERDICT.findall(text):
            if (task, mail) not in seen:
                seen.add((task, mail))
                acts.setdefault(task, []).append(action)
    outcome, problems = _judge(server, corpus, sc, acts, label)
    expected = {e.expect.task: e.expect.action for e in corpus.entries if e.expect.kind == "act"}
    ended = {"COMPLETE": "COMPLETED", "FAIL": "FAILED"}
    statuses = {t: ended.get(expected.get(t), "IN_PROGRESS") for t in sc["statuses"]}
    if sc["statuses"] != statuses:
        wrong = sorted(t for t in statuses if statuses[t] != sc["statuses"][t])
        problems.append("%s: tasks not ended by their waiting script as asked: %s" % (
            label, ["%s %s" % (t, sc["statuses"][t]) for t in wrong]))
    return outcome, problems


@pytest.mark.jython
@pytest.mark.dovecot
@pytest.mark.slow
def test_connection_cut_at_every_step_on_jython(dovecot, tmp_path):
    """tests/security/test_faults.py's connection cuts, with the fetch cycle
    on Jython: nothing lost, nothing doubled, nothing wrong."""
    from tests.security import figures
    from tests.security.conftest import add_user
    from tests.security.test_faults import small_corpus
    corpus = small_corpus(1)
    users = [list(add_user(dovecot)) for _ in range(2 * MAX_STEPS + 1)]
    _fill(dovecot, users, corpus)
    result, cuts = _run_behind_proxy(dovecot, FAULTS_MODULE, "check_connection_cut_at_every_step",
                                     "faults", tmp_path, corpus, users, 1500)
    problems, totals = [], {"lost": 0, "doubled": 0, "wrong": 0}
    for sc in result["scenarios"]:
        label = "jython cut %s #%d" % (sc["mode"], sc["step"])
        outcome, found = _judge(dovecot, corpus, sc, _acts(sc["actions"]), label)
        problems += found
        for key in totals:
            totals[key] += outcome[key]
    figures.record("faults-connection-cuts-jython", {
        "steps_per_cycle": result["steps"], "scenarios": len(result["scenarios"]), "cuts": cuts,
        "lost_actions": totals["lost"], "doubled_actions": totals["doubled"],
        "wrong_actions": totals["wrong"]})
    assert len(result["scenarios"]) == 2 * result["steps"] == cuts
    assert not problems, "\n".join(problems)


API_MODULE = "check_security_api_faults"
# test_faults.API_FAULTS and USER_FAULTS; some raise a java.lang exception.
# Each 'before' one fails a call the reply's judgement needs: the mail is kept.
JAVA_FAULTS = {("getTask", "before", 1): "IllegalStateException",
               ("commentTask", "before", 1): "RuntimeException",
               ("commentTask", "after", 2): "IllegalStateException",
               ("getTeams", "before", 1): "RuntimeException",
               ("getUser", "before", 1): "IllegalStateException"}


@pytest.mark.jython
@pytest.mark.dovecot
@pytest.mark.slow
def test_api_fails_transiently_on_jython(dovecot, tmp_path):
    """test_faults.py's task API and user directory faults with the fetch
    cycle on Jython: nothing lost, nothing doubled, nothing wrong, also when
    the API raises a java.lang exception (no Python Exception there)."""
    from tests.security import figures
    from tests.security.conftest import add_user
    from tests.security.test_faults import API_FAULTS, USER_FAULTS, small_corpus
    corpus = small_corpus(3)
    plan = [[m, s, n, JAVA_FAULTS.get((m, s, n), "IOError")] for m, s, n in
            API_FAULTS + USER_FAULTS]
    users = [list(add_user(dovecot)) for _ in plan]
    _fill(dovecot, users, corpus)
    result = _run_cycle_check(API_MODULE, "check_api_fails_transiently", "api_faults", tmp_path,
                              corpus, 900, host=dovecot.host, port=dovecot.port, users=users,
                              plan=plan)
    assert len(result["scenarios"]) == len(plan)
    problems = []
    totals = {name: {"lost": 0, "doubled": 0, "wrong": 0, "kept": 0, "java": 0, "scenarios": 0}
              for name in ("faults-task-api-jython", "faults-user-api-jython")}
    for sc in result["scenarios"]:
        label = "jython %s fails %s call #%d (%s)" % (
            sc["method"], sc["stage"], sc["number"], sc["kind"])
        if sc["raised_faults"] != [sc["kind"]]:
            problems.append("%s: the fault was not injected once: %s" % (
                label, sc["raised_faults"]))
        if sc["first_errors"]:
            problems.append("%s: not caught at the API call: %s" % (label, sc["first_errors"]))
        outcome, found = _judge_waiting_scripts(dovecot, corpus, sc, label)
        problems += found
        name = "faults-user-api-jython" if sc["method"] == "getUser" else "faults-task-api-jython"
        t = totals[name]
        for key in ("lost", "doubled", "wrong"):
            t[key] += outcome[key]
        t["kept"] += sc["kept"]
        t["scenarios"] += 1
        if sc["kind"] != "IOError":
            t["java"] += 1
            # Caught where the API is called (compat.HOST_ERRORS) and taken
            # as a server error: the reply is kept for the next cycle.
            counts = (sc["first"] or {}).get("counts", {})
            if sc["stage"] == "before" and (sc["kept"], counts.get("server-error")) != (1, 1):
                problems.append("%s: the reply was not kept as a server error: %s" % (
                    label, sc["first"]))
    for name, t in totals.items():
        figures.record(name, {
            "scenarios": t["scenarios"], "faults_injected": t["scenarios"],
            "java_exceptions_injected": t["java"], "mails_kept_for_retry": t["kept"],
            "lost_actions": t["lost"], "doubled_actions": t["doubled"],
            "wrong_actions": t["wrong"]})
    assert not problems, "\n".join(problems)
    assert totals["faults-task-api-jython"]["java"] == 4
    assert totals["faults-user-api-jython"]["java"] == 1


STOPS_MODULE = "check_security_server_stops"


@pytest.mark.jython
@pytest.mark.dovecot
@pytest.mark.slow
def test_server_stopped_at_every_step_on_jython(private_dovecot, tmp_path):
    """test_faults.py's server stops with the fetch cycle on Jython: Dovecot
    stopped at the first line of each kind of IMAP command, then started
    again: clean failures meanwhile, nothing lost, doubled or wrong after."""
    from tests.security import figures
    from tests.security.test_faults import small_corpus
    server = private_dovecot
    corpus = small_corpus(2)
    # From the top of the range: test_faults.py takes rp1 upwards.
    users = [["rp%d" % n, server.users["rp%d" % n]] for n in range(200, 180, -1)]
    _fill(server, users, corpus)
    result, cuts = _run_behind_proxy(server, STOPS_MODULE,
                                     "check_server_stopped_at_every_kind_of_step",
                                     "server_stops", tmp_path, corpus, users, 900, stops=True)
    problems, totals, outages = [], {"lost": 0, "doubled": 0, "wrong": 0}, 0
    for sc in result["scenarios"]:
        label = "jython server stopped at %s (#%d)" % (sc["command"], sc["step"])
        outcome, found = _judge_waiting_scripts(server, corpus, sc, label)
        problems += found
        for key in totals:
            totals[key] += outcome[key]
        if sc["down_error"] == "imap":
            outages += 1
        if sc["broken_error"] in (None, "raised") and sc["command"] != "LOGOUT":
            problems.append("%s: the broken cycle did not fail cleanly" % label)
    figures.record("faults-server-stops-jython", {
        "restarts": len(result["scenarios"]), "cuts": cuts,
        "stopped_at": [sc["command"].replace("_", " ") for sc in result["scenarios"]],
        "clean_failures_while_down": outages, "lost_actions": totals["lost"],
        "doubled_actions": totals["doubled"], "wrong_actions": totals["wrong"]})
    assert len(result["scenarios"]) == cuts >= 5
    assert outages == len(result["scenarios"])
    assert not problems, "\n".join(problems)
