"""The start script's work against fake APIs and a real SMTP server."""
import email
import email.policy
import io
import logging
import runpy
from pathlib import Path

import pytest

from remote_completion import handover, host, logs, mailto, replytoken, signature, start
from tests.jython import fetch_fakes as fakes
from tests.request.fakes import ConfigurationApi, ReleaseApi, RolesApi, Shape, UserApi
from tests.request.smtp_servers import PASSWORD, USER, free_port, smtp_server

REPO = Path(__file__).resolve().parents[2]
RELEASE_ID = "Applications/Release11"
TASK_ID = RELEASE_ID + "/Phase22/Task33"
SECRET = "start-test-hmac-secret"
RUN = "00112233445566ff"
USERS = {
    "alice": ("Alice Smith", "alice@example.com"),
    "bob": ("Bob Jones", "bob@example.com"),
    "refused": ("Refused Person", "refuse-me@example.com"),
    "nomail": ("No Mail", None),
    "badaddr": ("Bad Address", "bad address@example.com"),
}


@pytest.fixture(autouse=True)
def no_conf_file(tmp_path, monkeypatch):
    monkeypatch.setenv("XL_RELEASE_SERVER_HOME", str(tmp_path))


@pytest.fixture(params=[False, True], ids=["python-shape", "java-shape"])
def shape(request):
    return Shape(java=request.param)


class RunningTask(fakes.WaitingTask):
    """The running task: bean values plus schedule/setStatusLine."""

    def __init__(self, owner="alice", team="Ops", failures=2, title="Deploy ✓", status_line=None):
        fakes.WaitingTask.__init__(self, TASK_ID, status_line)
        self.title, self.owner, self.team = title, owner, team
        self.description = "Please check.\nThen answer."
        self.failuresCount = failures
        self.status = "IN_PROGRESS"
        self.type = host.TASK_TYPE
        self.phase = type("Phase", (), {"id": RELEASE_ID + "/Phase22", "title": "Production"})()


class TaskApi:
    """commentTask and getTask only; notes when each comment came (how many
    mails had been sent by then) and what its Comment object was."""

    def __init__(self, recorder=None):
        self.comments = []       # (task id, text, mails sent before it)
        self.recorder = recorder
        self.task = None

    def commentTask(self, task_id, comment):
        text = comment if isinstance(comment, str) else comment.getComment()
        sent = len(self.recorder.messages) if self.recorder is not None else None
        self.comments.append((task_id, text, sent))

    def getTask(self, task_id):
        assert task_id == TASK_ID
        return type("Task", (), {"id": TASK_ID, "status": "IN_PROGRESS",
                                 "comments": [{"text": c[1]} for c in self.comments]})()


def environment(shape, port, team=(("bob", "PRINCIPAL"),), imap_count=1, smtp=True, username=None):
    cis = {
        host.IMAP_TYPE: [
            shape.ci(
                "Configuration/Custom/Imap%d" % i, "Mailbox %d" % i, host.IMAP_TYPE,
                host="imap.example.com", port=993, useTls=True, username="xlr",
                password="imap-pw-x1", fromAddress="replies@example.com", enableWhitelisting=False,
                domainWhitelist=[], secret=SECRET, trustedCertificates=None)
            for i in range(imap_count)
        ]
    }
    if smtp:
        cis[host.SMTP_TYPE] = [
            shape.ci(
                host.SMTP_ID, "SMTP", host.SMTP_TYPE, host="127.0.0.1", port=port, tls=False,
                fromAddress="XL Release <xlr@example.com>", username=username,
                password=PASSWORD if username else None)
        ]
    release = shape.obj(id=RELEASE_ID, title="Release 7 — été", phases=[])
    return dict(release=release, taskApi=TaskApi(),
                releaseApi=ReleaseApi(shape, {"Ops": list(team)}, {RELEASE_ID: release}),
                configurationApi=ConfigurationApi(shape, cis), userApi=UserApi(shape, USERS),
                rolesApi=RolesApi(shape, {}))


def apis(env):
    return host.Apis(env["taskApi"], env["releaseApi"], env["configurationApi"], env["userApi"],
                     env["rolesApi"], env.get("Comment"))


def run(task, env, out=None, run_id=RUN):
    return start.start_remote_completion(task, env["release"], apis(env), out=out or io.StringIO(),
                                         run_id=run_id)


def parsed(recorder):
    return [email.message_from_bytes(m[2], policy=email.policy.default) for m in recorder.messages]


def links_of(msg):
    html = msg.get_body(("html",)).get_content()
    import re
    return dict(zip(("COMPLETE", "FAIL"), [h.replace("&amp;", "&") for h in
                                           re.findall(r'href="(mailto:[^"]+)"', html)]))


def test_one_signed_request_per_assignee(shape, caplog):
    out = io.StringIO()
    with smtp_server("plain", auth=True) as (port, recorder):
        env = environment(shape, port, username=USER)
        env["taskApi"].recorder = recorder
        with caplog.at_level(logging.INFO, logger=logs.LOGGER_NAME):
            result = run(RunningTask(), env, out)
    mails = parsed(recorder)
    assert sorted(m[1][0] for m in recorder.messages) == ["alice@example.com", "bob@example.com"]
    assert len(recorder.sessions) == 1
    for msg, (_, rcpt, _, _) in zip(mails, recorder.messages):
        assert msg["To"].addresses[0].addr_spec == rcpt[0]
        # The plain-Reply token: Reply-To sub-address and Message-ID, for this recipient and run.
        tokens = replytoken.find(replytoken.message_ids_in([msg["Message-ID"]]),
                                 [msg["Reply-To"]])
        assert [t.task_id for t in tokens] == [TASK_ID, None]
        assert msg["Reply-To"].startswith("replies+xlr" + RUN)
        for token in tokens:
            assert token.run_id == RUN
            assert replytoken.verify(SECRET, token, TASK_ID, rcpt[0])
            other = [a for a in USERS.values() if a[1] and a[1] != rcpt[0]][0][1]
            assert not replytoken.verify(SECRET, token, TASK_ID, other)
        assert "Open in XL Release" not in msg.get_body(("plain",)).get_content()
        assert msg["Subject"] == "Action required: Deploy ✓"
        plain = msg.get_body(("plain",)).get_content()
        assert "Release 7 — été" in plain and "Production" in plain
        assert "Alice Smith and team Ops" in plain
        for action, link in links_of(msg).items():
            to, subject, body, _ = mailto.parse(link)
            assert to == "replies@example.com"
            sig = body.rsplit("SIGNATURE: ", 1)[1]
            assert signature.verify(SECRET, sig, action, TASK_ID, rcpt[0]) == RUN
            other = [a for a in USERS.values() if a[1] and a[1] != rcpt[0]][0][1]
            assert signature.verify(SECRET, sig, action, TASK_ID, other) is None
    assert result.request_run == RUN and result.request_attempt == 2
    # The run is on the task before any mail went out (a quick reply finds it).
    (task_id, text, mails_before), = env["taskApi"].comments
    assert task_id == TASK_ID and mails_before == 0
    notes = [handover.Note(text)]
    assert handover.current_run(notes, SECRET, TASK_ID) == RUN
    assert result.request_recipients == "alice@example.com, bob@example.com"
    assert result.status_line == "Waiting for a reply by email from Alice Smith, Bob Jones"
    assert len(result.request_sent_at) == 20 and result.request_sent_at.endswith("Z")
    log = out.getvalue()
    assert (
        "Request email sent to Alice Smith <alice@example.com>, Bob Jones <bob@example.com>."
        in log
    )
    infos = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert sum("sent to alice@example.com" in m for m in infos) == 1
    assert sum("sent to bob@example.com" in m for m in infos) == 1
    for secret in (SECRET, PASSWORD, "imap-pw-x1"):
        assert secret not in log and all(secret not in m for m in infos)


def test_problems_are_printed_and_a_refusal_does_not_stop_the_others(shape):
    out = io.StringIO()
    with smtp_server("plain") as (port, recorder):
        env = environment(shape, port, team=[("refused", "PRINCIPAL"), ("nomail", "PRINCIPAL"),
                                             ("ghost", "PRINCIPAL"), ("badaddr", "PRINCIPAL"),
                                             ("bob", "PRINCIPAL")])
        result = run(RunningTask(), env, out)
    assert [m[1] for m in recorder.messages] == [["alice@example.com"], ["bob@example.com"]]
    log = out.getvalue()
    assert "Warning: User 'No Mail' has no email address." in log
    assert "'ghost' is unknown" in log
    assert "Could not send the request email to Refused Person <refuse-me@example.com>" in log
    assert "550" in log
    assert (
        "Could not send the request email to Bad Address <bad address@example.com>: not a usable"
        in log
    )
    assert sorted(r.email for r, _ in result.failed) == [
        "bad address@example.com", "refuse-me@example.com"]
    assert result.request_recipients == "alice@example.com, bob@example.com"


def test_nobody_mailable_fails_with_the_reason(shape):
    with smtp_server("plain") as (port, recorder):
        env = environment(shape, port, team=[("nomail", "PRINCIPAL")])
        with pytest.raises(start.StartError) as caught:
            run(RunningTask(owner=None), env)
    assert "Nobody assigned" in str(caught.value) and "no email address" in str(caught.value)
    assert recorder.messages == []


def test_every_send_refused_fails_the_task(shape):
    with smtp_server("plain") as (port, recorder):
        env = environment(shape, port, team=[])
        with pytest.raises(
            start.StartError, match="No request email could be sent.*refuse-me@example.com"
        ):
            run(RunningTask(owner="refused", team=None), env)


@pytest.mark.parametrize("count,expected", [(0, "No IMAP server is configured"),
                                            (2, "exactly one IMAP server configuration, found 2")])
def test_imap_configuration_problems_fail_the_task(shape, count, expected):
    env = environment(shape, free_port(), imap_count=count)
    with pytest.raises(start.StartError, match=expected):
        run(RunningTask(), env)


def test_missing_smtp_settings_fail_the_task(shape):
    env = environment(shape, free_port(), smtp=False)
    with pytest.raises(start.StartError, match="Settings > SMTP server"):
        run(RunningTask(), env)


def test_unreachable_smtp_server_fails_the_task(shape):
    port = free_port()
    env = environment(shape, port)
    with pytest.raises(start.StartError) as caught:
        run(RunningTask(), env)
    assert "could not connect to the SMTP server 127.0.0.1:%d" % port in str(caught.value)


def test_status_line_is_bounded():
    line = start.waiting_status_line(["P%d" % i for i in range(9)] + ["x\r\ny" * 50])
    assert line == "Waiting for a reply by email from P0, P1, P2, P3, P4 and 5 more"
    assert start.waiting_status_line([]) == "Waiting for a reply by email"


# --- the ext scripts, run as the host runs them ------------------------------

def run_script(name, variables):
    return runpy.run_path(str(REPO / "ext" / "remoteCompletion" / name), init_globals=variables,
                          run_name="__builtin__")


def test_start_script_sets_variables_status_line_and_schedules_waiting(shape):
    task = RunningTask(failures=0)
    with smtp_server("plain") as (port, recorder):
        env = environment(shape, port)
        result = run_script("StartTask.py", dict(env, task=task))
    assert len(recorder.messages) == 2
    run_id = result["requestRun"]
    assert signature.is_run_id(run_id) and run_id != RUN
    (_task_id, text, _), = env["taskApi"].comments
    assert handover.current_run([handover.Note(text)], SECRET, TASK_ID) == run_id
    assert result["requestAttempt"] == 0
    assert result["requestRecipients"] == "alice@example.com, bob@example.com"
    assert result["requestSentAt"].endswith("Z")
    assert task.statusLine == "Waiting for a reply by email from Alice Smith, Bob Jones"
    assert task.scheduled == [("remoteCompletion/WaitForReply.py", 30)]  # sync-interval's default


def test_start_script_without_release_and_comment_variables(shape):
    """Plugin task scripts are documented with getCurrentRelease(), not
    `release`; Comment may be missing too (then the text is passed)."""
    task = RunningTask(failures=0)
    with smtp_server("plain") as (port, recorder):
        env = environment(shape, port)
        del env["release"]
        result = run_script("StartTask.py", dict(env, task=task,
                                                 getCurrentRelease=lambda: None))
    assert len(recorder.messages) == 2
    # The release title came from releaseApi.getRelease.
    assert "Release 7 — été" in parsed(recorder)[0].get_body(("plain",)).get_content()
    (_task_id, text, _), = env["taskApi"].comments
    assert handover.current_run([handover.Note(text)], SECRET, TASK_ID) == result["requestRun"]


def test_a_refused_request_marker_fails_the_start_before_any_mail(shape):
    class Refusing(TaskApi):
        def commentTask(self, task_id, comment):
            raise type("PermissionDeniedException", (Exception,), {})("no comment right")
    with smtp_server("plain") as (port, recorder):
        env = dict(environment(shape, port), taskApi=Refusing())
        with pytest.raises(start.StartError) as caught:
            run(RunningTask(), env)
    assert recorder.messages == []
    assert "may not comment" in str(caught.value)


def test_start_script_fails_the_task_with_the_message(shape, capsys):
    task = RunningTask()
    env = environment(shape, free_port(), imap_count=0)
    with pytest.raises(SystemExit) as caught:
        run_script("StartTask.py", dict(env, task=task))
    assert caught.value.code == 1
    assert "No IMAP server is configured" in capsys.readouterr().out
    assert task.scheduled == []


def test_waiting_script_keeps_the_task_waiting(shape, monkeypatch):
    # The host runs the fetch job itself here, so the waiting script only waits
    # (remote_completion.polling covers the XL Release case); no notice, and
    # the read "by chance about once per sync-interval" does not fire.
    from remote_completion import jvmstate, polling, xlrpush
    monkeypatch.setattr(polling, "_store", [jvmstate.PythonStore()])
    monkeypatch.setattr(xlrpush.random, "random", lambda: 0.99)
    env = dict(environment(shape, free_port()), hostRunsScheduledJobs=True, Comment=object,
               requestRun=RUN)
    task = RunningTask(status_line="Waiting for a reply by email from Alice Smith")
    run_script("WaitForReply.py", dict(env, task=task, requestRecipients="alice@example.com"))
    assert task.scheduled == [("remoteCompletion/WaitForReply.py", 2)]  # wait-interval's default
    assert task.statusLine == "Waiting for a reply by email from Alice Smith"
    lost = RunningTask(status_line=None)
    run_script(
        "WaitForReply.py",
        dict(env, task=lost, requestRecipients="alice@example.com, bob@example.com"))
    assert lost.statusLine == "Waiting for a reply by email from alice@example.com, bob@example.com"


# --- reassignment while waiting (issue 13) -------------------------------------------

def test_reassignment_mails_only_the_new_assignee_for_the_same_run(shape):
    with smtp_server("plain", auth=True) as (port, recorder):
        env = environment(shape, port, username=USER)
        env["taskApi"].recorder = recorder
        # alice was mailed; bob joined the team since.
        kept = start.resend_to_new_assignees(RunningTask(), apis(env), RUN, "alice@example.com",
                                             out=io.StringIO())
        assert kept == "alice@example.com, bob@example.com"
        assert [m[1] for m in recorder.messages] == [["bob@example.com"]]
        msg = parsed(recorder)[0]
        for action, link in links_of(msg).items():
            sig = mailto.parse(link)[2].rsplit("SIGNATURE: ", 1)[1]
            assert signature.verify(SECRET, sig, action, TASK_ID, "bob@example.com") == RUN
        (task_id, note, _), = env["taskApi"].comments
        assert "reassigned" in note and "bob@example.com" in note
        # Nothing changed: no mail, no note.
        assert start.resend_to_new_assignees(RunningTask(), apis(env), RUN, kept,
                                             out=io.StringIO()) is None
        assert len(recorder.messages) == 1 and len(env["taskApi"].comments) == 1
        # Someone left (no one new): noted, nobody mailed.
        kept = start.resend_to_new_assignees(RunningTask(), apis(env), RUN,
                                             kept + ", gone@example.com", out=io.StringIO())
        assert kept == "alice@example.com, bob@example.com" and len(recorder.messages) == 1
        assert "gone@example.com no longer count" in env["taskApi"].comments[-1][1]


# --- the waiting script looks up a team-less task's assignees when its owner changes ----

def waiting_run(env, task, recipients, monkeypatch):
    """One waiting run on a push host that reads its task (the chance read);
    the script variables after it."""
    from remote_completion import xlrpush
    monkeypatch.setattr(xlrpush.random, "random", lambda: 0.0)
    variables = dict(env, task=task, hostRunsScheduledJobs=True, requestRun=RUN,
                     requestRecipients=recipients)
    return run_script("WaitForReply.py", variables)


@pytest.fixture
def fresh_memo(monkeypatch):
    from remote_completion import jvmstate, polling
    monkeypatch.setattr(polling, "_store", [jvmstate.PythonStore()])
    monkeypatch.setattr(polling, "_checked", {})
    return polling


def test_a_team_less_task_is_looked_up_again_when_its_owner_changes(shape, monkeypatch,
                                                                    fresh_memo):
    with smtp_server("plain", auth=True) as (port, recorder):
        env = environment(shape, port, username=USER)
        env["taskApi"].recorder = recorder
        task = RunningTask(owner="alice", team=None, status_line="Waiting")
        users = env["userApi"].calls
        after = waiting_run(env, task, "alice@example.com", monkeypatch)
        assert users == ["alice"] and after["requestRecipients"] == "alice@example.com"
        # The owner unchanged: the next reads ask nobody.
        waiting_run(env, task, "alice@example.com", monkeypatch)
        waiting_run(env, task, "alice@example.com", monkeypatch)
        assert users == ["alice"] and recorder.messages == []
        assert task.scheduled == [("remoteCompletion/WaitForReply.py", 2)] * 3
        # Reassigned to bob: the next read looks up, mails bob for the same run.
        task.owner = "bob"
        after = waiting_run(env, task, "alice@example.com", monkeypatch)
        assert users == ["alice", "bob"]
        assert after["requestRecipients"] == "bob@example.com"
        assert [m[1] for m in recorder.messages] == [["bob@example.com"]]
        sig = mailto.parse(links_of(parsed(recorder)[0])["COMPLETE"])[2].rsplit("SIGNATURE: ", 1)[1]
        assert signature.verify(SECRET, sig, "COMPLETE", TASK_ID, "bob@example.com") == RUN
        (_task_id, note, _), = env["taskApi"].comments
        assert "reassigned" in note and "alice@example.com no longer count" in note
        # The new requestRecipients was remembered with the check: nobody asked again.
        waiting_run(env, task, "bob@example.com", monkeypatch)
        assert users == ["alice", "bob"] and len(recorder.messages) == 1
        # A host that did not keep requestRecipients: looked up again, as before.
        waiting_run(env, task, "alice@example.com", monkeypatch)
        assert users == ["alice", "bob", "bob"]


def test_a_team_less_task_is_looked_up_again_after_the_recheck_and_on_a_new_run(
        shape, fresh_memo):
    env = environment(shape, free_port())
    task = RunningTask(owner="alice", team=None)
    users = env["userApi"].calls
    now = [1000.0]
    log = logs.get_logger()

    def follow(run=RUN):
        return fresh_memo._follow_reassignment(task, apis(env), run, "alice@example.com", log,
                                               recheck=300.0, clock=lambda: now[0])
    assert follow() is None and users == ["alice"]
    now[0] += 299.0
    assert follow() is None and users == ["alice"]
    now[0] += 1.0   # the recheck: a changed address of the same owner is followed
    assert follow() is None and users == ["alice", "alice"]
    assert follow("00112233445566aa") is None and users == ["alice"] * 3   # a retry's run
    # recheck 0 (no sync-interval): every read looks up, as before.
    assert fresh_memo._follow_reassignment(task, apis(env), RUN, "alice@example.com", log,
                                           recheck=0.0) is None
    assert users == ["alice"] * 4


def test_a_task_with_a_team_is_looked_up_on_every_read(shape, fresh_memo):
    # Team members can change with nothing on the task changing.
    env = environment(shape, free_port())
    task = RunningTask(owner="alice", team="Ops")
    log = logs.get_logger()
    both = "alice@example.com, bob@example.com"
    for _ in range(2):
        assert fresh_memo._follow_reassignment(task, apis(env), RUN, both, log,
                                               recheck=300.0) is None
    assert env["userApi"].calls == ["alice", "bob"] * 2
    env["releaseApi"].teams["Ops"] = []   # bob left the team
    assert fresh_memo._follow_reassignment(task, apis(env), RUN, both, log,
                                           recheck=300.0) == "alice@example.com"
    assert "bob@example.com no longer count" in env["taskApi"].comments[-1][1]


def test_a_failed_lookup_is_not_remembered(shape, fresh_memo):
    env = environment(shape, free_port())
    task = RunningTask(owner="ghost", team=None)    # unknown to the user API (for now)
    log = logs.get_logger()
    for _ in range(2):
        assert fresh_memo._follow_reassignment(task, apis(env), RUN, "ghost@example.com", log,
                                               recheck=300.0) is None
    assert env["userApi"].calls == ["ghost", "ghost"]
    assert env["taskApi"].comments == []
