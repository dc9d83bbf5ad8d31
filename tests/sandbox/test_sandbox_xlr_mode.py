"""The real plugin in the sandbox's XL Release mode (its defaults): no
xl-rules.xml job runs, the task's own waiting script fetches and ends its
task, outcome API calls on a running script task are refused, scripts run as
the release's run-as user with narrowed permissions, releases live in folders
whose teams they inherit.  Virtual clock; real mail servers with TLS."""
from __future__ import annotations

import pytest

from sandbox import demo
from sandbox_helpers import demo_server
from tests.support.sandbox_world import next_cycle_due

ALICE, BOB, CAROL = demo.PEOPLE
INTERVAL = 2
VERDICT = "`xlr-remote-completion verdict="
# The plugin's JVM-wide fetch slot counts wall-clock time: no start-up delay.
XLR_CONF = ("xl.remote-completion { startup-delay = 0 seconds\n"
            " sync-interval = %d seconds }\n" % INTERVAL)


@pytest.fixture
def xlr(tmp_path, mail):
    hub, passwords = mail
    assert hub.imap_count() == 0, "a previous test left mail in the remote completion INBOX"
    server, clock = demo_server(tmp_path / "home", mail, XLR_CONF)
    with server:
        yield server, clock, hub, passwords


def approval_release(server, title, folder=None, team_holder=None, script_username=None):
    """A started release whose remote completion task is assigned to a team."""
    release = server.create_release(title, folder=folder, script_username=script_username)
    phase = server.add_phase(release, "Production")
    server.add_team(team_holder or release, "Approvers", members=["alice", "bob"])
    task = server.add_task(phase, demo.TASK_TYPE, "Approve " + title, team="Approvers")
    after = server.add_task(phase, "xlrelease.Task", "Announce " + title)
    return release, task, after


def request_to(hub, person, task_title):
    for message in reversed(hub.wait_for_mail(person[2], 1)):
        if task_title in str(message["Subject"]):
            return message
    raise AssertionError("no request for %s to %s" % (task_title, person[2]))


def verdicts(server, task):
    return [c.text for c in server.task_bean(task).comments if VERDICT in c.text]


def test_no_job_runs_and_the_waiting_script_fetches_and_ends_its_task(xlr):
    server, clock, hub, passwords = xlr
    release, task, after = approval_release(server, "Payments 2.4")
    server.start_release(release)
    clock.run_due()                                   # StartTask.py mails the requests
    demo.mail_client(hub, passwords, BOB).click(request_to(hub, BOB, "Payments 2.4"),
                                                "complete", comment="Fine by me.")
    clock.advance(INTERVAL)                           # WaitForReply.py: fetch, verdict, end
    bean = server.task_bean(task)
    assert str(bean.status) == "COMPLETED"
    assert server.job_runs == []                      # no xl-rules.xml job ran
    (verdict,) = verdicts(server, task)
    assert "Bob Baker" in verdict and "Fine by me." in verdict
    assert [r.script for r in server.task_runs(task)] == [
        "remoteCompletion/StartTask.py", "remoteCompletion/WaitForReply.py"]
    assert str(server.task_bean(after).status) == "IN_PROGRESS"
    assert hub.imap_count() == 0


def test_a_fail_reply_fails_the_task_through_its_script(xlr):
    server, clock, hub, passwords = xlr
    release, task, _ = approval_release(server, "Payments 2.5")
    server.start_release(release)
    clock.run_due()
    demo.mail_client(hub, passwords, ALICE).click(request_to(hub, ALICE, "Payments 2.5"),
                                                  "fail", comment="Not yet.")
    clock.advance(INTERVAL)
    bean = server.task_bean(task)
    assert (str(bean.status), bean.failuresCount) == ("FAILED", 1)
    last = server.task_runs(task)[-1]
    assert (last.script, last.outcome, last.exit_code) == (
        "remoteCompletion/WaitForReply.py", "failed", 1)
    assert hub.imap_count() == 0


def test_release_in_a_folder_mails_the_folders_team(xlr):
    server, clock, hub, passwords = xlr
    folder = server.create_folder("Payments")
    sub = server.create_folder("Services", parent=folder)
    release, task, _ = approval_release(server, "Folder release", folder=sub, team_holder=folder)
    sent = {p[2]: len(hub.mailbox_files(p[2])) for p in (ALICE, BOB)}
    server.start_release(release)
    clock.run_due()
    assert str(server.task_bean(task).status) == "IN_PROGRESS", server.task_bean(task).comments
    for person in (ALICE, BOB):
        assert len(hub.wait_for_mail(person[2], sent[person[2]] + 1)) == sent[person[2]] + 1
    demo.mail_client(hub, passwords, ALICE).click(request_to(hub, ALICE, "Folder release"),
                                                  "complete")
    clock.advance(INTERVAL)
    assert str(server.task_bean(task).status) == "COMPLETED"


def test_a_narrowed_run_as_user_cannot_act_on_another_release_and_loses_nothing(xlr):
    server, clock, hub, passwords = xlr
    server.add_user("runner", "runner@example.com", "Script Runner")
    # Release A runs its scripts as "runner", who may act on A only.
    rel_a, task_a, _ = approval_release(server, "Release A", script_username="runner")
    server.add_team(rel_a, "Automation", members=["runner"])
    rel_b, task_b, _ = approval_release(server, "Release B")     # run as admin
    server.start_release(rel_a)
    clock.run_due()
    assert str(server.task_bean(task_a).status) == "IN_PROGRESS", server.task_bean(task_a).comments
    clock.advance(1)                                  # B starts a second later
    server.start_release(rel_b)
    clock.run_due()
    demo.mail_client(hub, passwords, ALICE).click(request_to(hub, ALICE, "Release B"), "complete")
    clock.advance(1)                 # A's waiting script fetches first: refused on B's task
    assert verdicts(server, task_b) == []
    assert hub.imap_count() == 1                      # the genuine reply is kept
    assert str(server.task_bean(task_b).status) == "IN_PROGRESS"
    next_cycle_due()
    clock.advance(1)                 # B's waiting script (run as admin) fetches and acts
    assert str(server.task_bean(task_b).status) == "COMPLETED"
    assert len(verdicts(server, task_b)) == 1
    assert str(server.task_bean(task_a).status) == "IN_PROGRESS"
    assert hub.imap_count() == 0
    # Every comment on A was written as A's run-as user.
    assert {c.author for c in server.task_bean(task_a).comments} == {"runner"}


def test_the_plugin_copes_without_release_and_comment_variables(tmp_path, mail):
    hub, passwords = mail
    server, clock = demo_server(tmp_path / "home", mail, XLR_CONF, release_variable=False,
                                comment_variable=False)
    with server:
        release, task, _ = approval_release(server, "No variables")
        server.start_release(release)
        clock.run_due()
        demo.mail_client(hub, passwords, BOB).click(request_to(hub, BOB, "No variables"),
                                                    "complete")
        clock.advance(INTERVAL)
        assert str(server.task_bean(task).status) == "COMPLETED"
    assert hub.imap_count() == 0
