"""End to end in the sandbox, run as XL Release runs the plugin (no xl-rules
job, ``Server(**XL_RELEASE)``): a task mails its request, a person clicks
the button in their mail client (sandbox.mailclient follows the mailto link
and sends over verified STARTTLS), the reply lands in the IMAP mailbox, a
waiting script's run fetches it and records the verdict on the task, and the
task's own waiting script ends it (completes or fails it the documented way)."""
from __future__ import annotations

import pytest

from sandbox.server import XL_RELEASE
from tests.support.sandbox_world import (TASK_TYPE, imap_configuration, mail_client,
                                         next_cycle_due, plugin_world)

SECRET = "sandbox-fetch-secret-0123456789"
REPLIES_HUB = dict(remote_address="xlr-replies@example.com")
INTERVAL = 30
PEOPLE = {
    "alice": ("Alice Smith", "alice@example.com"),
    "bob": ("Bob Jones", "bob@example.com"),
}


@pytest.fixture
def world(tmp_path):
    # Polling (push-enabled = false): push on XL Release is tests/unit/test_xlrpush.py.
    # XL Release's behaviour: no xl-rules job, completeTask/failTask refused
    # on a running script task, no `release` variable, title None refused.
    conf = ("xl.remote-completion {\n  fetching-enabled = true\n  push-enabled = false\n"
            "  startup-delay = 0 seconds\n  sync-interval = %d seconds\n}\n" % INTERVAL)
    with plugin_world(tmp_path, conf, PEOPLE, hub=REPLIES_HUB, **XL_RELEASE) as (server, hub,
                                                                                   clock):
        yield server, hub, clock, whitelisted_mailbox(server, hub)


def whitelisted_mailbox(server, hub):
    """The hub's mailbox as the plugin's IMAP configuration, replies from
    example.com only."""
    return imap_configuration(server, hub, enableWhitelisting=True,
                              domainWhitelist={"example.com"}, secret=SECRET)


def client_of(hub, username):
    name, address = PEOPLE[username]
    return mail_client(hub, address, name)


def started_task(server, clock, owner=None, team=None, members=()):
    release = server.create_release("Payments 2.4")
    phase = server.add_phase(release, "Production")
    if team:
        server.add_team(release, team, members=list(members))
    task_id = server.add_task(phase, TASK_TYPE, "Approve the deployment", owner=owner, team=team)
    after = server.add_task(phase, "xlrelease.Task", "Announce")
    server.start_release(release)
    clock.advance(0)  # the start script sends the requests
    return release, task_id, after


def waiting_scripts_run(server, clock, task_id, seconds=INTERVAL):
    """The waiting scripts due in ``seconds`` run; returns the task's runs."""
    before = len(server.task_runs(task_id))
    clock.advance(seconds)
    runs = server.task_runs(task_id)[before:]
    assert runs and all(r.outcome in ("scheduled", "completed", "failed") for r in runs), \
        [(r.outcome, r.error) for r in runs]
    return runs


def verdict_comments(server, task_id):
    return [c.text for c in server.task_bean(task_id).comments
            if "`xlr-remote-completion verdict=" in c.text]


def request_run(server, task_id):
    return server.task_properties(task_id)["requestRun"]


def comments_in_log(server, release):
    return [e.message for e in server.activity_log(release, "Comments")]


def test_a_clicked_complete_button_completes_the_task(world):
    server, hub, clock, _ci = world
    release, task_id, after = started_task(server, clock, owner="alice")
    request = hub.wait_for_mail("alice@example.com", 1)[0]
    client_of(hub, "alice").click(request, "COMPLETE", comment="CR-1042 checked: go ahead.")
    hub.wait_for_deliveries(2)  # the request, then the reply into the remote mailbox
    assert hub.imap_count() == 1

    runs = waiting_scripts_run(server, clock, task_id)
    assert [r.outcome for r in runs] == ["completed"]   # its own script ended it
    assert server.job_runs == []                         # no xl-rules job ran
    bean = server.task_bean(task_id)
    assert str(bean.status) == "COMPLETED"
    audit, = verdict_comments(server, task_id)
    assert audit.startswith("Completed by email by Alice Smith <alice@example.com> on ")
    human, marker = audit.rsplit("\n\n", 1)
    assert human.endswith("UTC.\n\nComment: CR-1042 checked: go ahead.")
    assert "verdict=COMPLETE run=%s " % request_run(server, task_id) in marker
    assert any("Completed by email by Alice Smith" in m for m in comments_in_log(server, release))
    assert str(server.task_bean(after).status) == "IN_PROGRESS"
    assert hub.imap_count() == 0


def test_a_team_member_fails_the_task_from_the_plain_text_link(world):
    server, hub, clock, _ci = world
    release, task_id, _after = started_task(
        server, clock, team="Approvers", members=["alice", "bob"]
    )
    request = hub.wait_for_mail("bob@example.com", 1)[0]
    reply = client_of(hub, "bob").click(
        request, "FAIL", comment="Rollback plan missing.", part="plain"
    )
    assert reply["Subject"].startswith("Fail: ")
    hub.wait_for_deliveries(3)
    runs = waiting_scripts_run(server, clock, task_id)
    assert [r.outcome for r in runs] == ["failed"] and runs[0].exit_code == 1
    assert "Failed by email by Bob Jones" in runs[0].output
    bean = server.task_bean(task_id)
    assert str(bean.status) == "FAILED" and bean.failuresCount == 1
    assert any("Failed by email by Bob Jones <bob@example.com> on " in m and
               "Comment: Rollback plan missing.\n\n`xlr-remote-completion verdict=FAIL" in m
               for m in comments_in_log(server, release))


def test_a_forwarded_request_sent_by_someone_else_is_ignored(world, caplog):
    server, hub, clock, _ci = world
    release, task_id, _after = started_task(server, clock, owner="alice")
    request = hub.wait_for_mail("alice@example.com", 1)[0]
    client_of(hub, "bob").click(request, "COMPLETE", comment="I'll just do it")  # bob, alice's link
    hub.wait_for_deliveries(2)
    with caplog.at_level("INFO", logger="com.xebialabs.xlrelease.plugins.remotecompletion"):
        waiting_scripts_run(server, clock, task_id)
    assert str(server.task_bean(task_id).status) == "IN_PROGRESS"
    assert hub.imap_count() == 0
    lines = [
        r.getMessage()
        for r in caplog.records
        if r.getMessage().startswith("Remote completion: mail")
    ]
    assert (
        len(lines) == 1
        and "from bob@example.com" in lines[0]
        and "ignored (bad-signature)" in lines[0]
    )
    assert not any("by email by" in m for m in comments_in_log(server, release))


def test_a_reply_for_another_task_is_recorded_by_one_script_and_ended_by_the_other(world):
    server, hub, clock, _ci = world
    _release, first, _ = started_task(server, clock, owner="alice")
    clock.advance(10)   # the second task starts later, so the first task's script fetches
    _release2, second, _ = started_task(server, clock, owner="bob")
    request = hub.wait_for_mail("bob@example.com", 1)[0]
    client_of(hub, "bob").click(request, "COMPLETE")
    hub.wait_for_deliveries(3)
    runs = waiting_scripts_run(server, clock, first, INTERVAL - 10)
    assert [r.outcome for r in runs] == ["scheduled"]              # not its reply: waits on
    assert str(server.task_bean(second).status) == "IN_PROGRESS"   # recorded, not yet ended
    assert len(verdict_comments(server, second)) == 1 and hub.imap_count() == 0
    runs = waiting_scripts_run(server, clock, second, 10)         # its own script: no cycle due
    assert [r.outcome for r in runs] == ["completed"]
    assert str(server.task_bean(second).status) == "COMPLETED"
    assert str(server.task_bean(first).status) == "IN_PROGRESS"


def test_competing_replies_the_first_recorded_wins(world, caplog):
    server, hub, clock, _ci = world
    _release, task_id, _ = started_task(server, clock, team="Approvers", members=["alice", "bob"])
    alice_request = hub.wait_for_mail("alice@example.com", 1)[0]
    bob_request = hub.wait_for_mail("bob@example.com", 1)[0]
    client_of(hub, "alice").click(alice_request, "COMPLETE", comment="fine")
    hub.wait_for_deliveries(3)
    client_of(hub, "bob").click(bob_request, "FAIL", comment="not fine")
    hub.wait_for_deliveries(4)
    with caplog.at_level("INFO", logger="com.xebialabs.xlrelease.plugins.remotecompletion"):
        runs = waiting_scripts_run(server, clock, task_id)
    assert [r.outcome for r in runs] == ["completed"]
    assert str(server.task_bean(task_id).status) == "COMPLETED"
    assert len(verdict_comments(server, task_id)) == 1   # the loser is not recorded
    lines = [r.getMessage() for r in caplog.records
             if r.getMessage().startswith("Remote completion: mail")]
    assert len(lines) == 2 and "recorded COMPLETE" in lines[0]
    assert "from bob@example.com" in lines[1] and "ignored (already-decided)" in lines[1]
    assert hub.imap_count() == 0


def test_a_verdict_typed_by_a_user_does_not_end_the_task(world):
    server, hub, clock, _ci = world
    _release, task_id, _ = started_task(server, clock, owner="alice")
    run = request_run(server, task_id)
    forged = "`xlr-remote-completion verdict=COMPLETE run=%s mail=%s mac=%s`" % (
        run, "ab" * 8, "cd" * 16)
    server.comment_task(task_id, "Done by email.\n\n" + forged, as_user="alice")
    runs = waiting_scripts_run(server, clock, task_id)
    assert [r.outcome for r in runs] == ["scheduled"]
    assert str(server.task_bean(task_id).status) == "IN_PROGRESS"


def test_a_reply_to_an_earlier_run_never_ends_the_retried_task(world, caplog):
    server, hub, clock, _ci = world
    _release, task_id, _ = started_task(server, clock, owner="alice")
    first_request = hub.wait_for_mail("alice@example.com", 1)[0]
    first_run = request_run(server, task_id)
    client_of(hub, "alice").click(first_request, "FAIL", comment="first try")
    hub.wait_for_deliveries(2)
    assert [r.outcome for r in waiting_scripts_run(server, clock, task_id)] == ["failed"]
    server.retry_task(task_id)
    clock.advance(0)                                   # the start script runs again
    hub.wait_for_mail("alice@example.com", 2)
    assert request_run(server, task_id) != first_run
    client_of(hub, "alice").click(first_request, "COMPLETE", comment="late, old mail")
    hub.wait_for_deliveries(4)
    next_cycle_due()
    with caplog.at_level("INFO", logger="com.xebialabs.xlrelease.plugins.remotecompletion"):
        runs = waiting_scripts_run(server, clock, task_id)
    assert [r.outcome for r in runs] == ["scheduled"]
    assert str(server.task_bean(task_id).status) == "IN_PROGRESS"
    assert any("ignored (stale-run)" in r.getMessage() for r in caplog.records)
    assert hub.imap_count() == 0


class PermissionDeniedException(Exception):
    """XL Release's class name for a refused call (BRIEF decision 7)."""


def test_a_permission_refusal_keeps_the_reply_for_the_next_cycle(world, caplog):
    server, hub, clock, _ci = world
    _release, task_id, _ = started_task(server, clock, owner="alice")
    request = hub.wait_for_mail("alice@example.com", 1)[0]
    client_of(hub, "alice").click(request, "COMPLETE")
    hub.wait_for_deliveries(2)
    server.inject_api_fault("taskApi.commentTask",
                            PermissionDeniedException("no permission to comment"))
    with caplog.at_level("INFO", logger="com.xebialabs.xlrelease.plugins.remotecompletion"):
        runs = waiting_scripts_run(server, clock, task_id)
    assert [r.outcome for r in runs] == ["scheduled"] and hub.imap_count() == 1
    warned = [r for r in caplog.records if "(no-permission)" in r.getMessage()]
    assert len(warned) == 1 and warned[0].levelname == "WARNING"
    assert "server-error" not in warned[0].getMessage()
    next_cycle_due()
    runs = waiting_scripts_run(server, clock, task_id)
    assert [r.outcome for r in runs] == ["completed"] and hub.imap_count() == 0


def test_the_connection_test_button(world):
    server, hub, _clock, ci = world
    result = server.test_configuration(ci)
    assert result["success"], result
    assert "logged in" in result["output"]
    server.update_configuration(ci, password="not-the-password")
    result = server.test_configuration(ci)
    assert not result["success"]
    assert "not-the-password" not in (result["output"] or "") + (result["errorText"] or "")
    assert "login failed" in result["output"]


def test_a_run_as_user_who_may_not_read_the_other_release_keeps_the_reply(world, caplog):
    """XL Release runs a task's scripts as its release's run-as user: release
    A's waiting script may not read release B's task, so B's reply stays in
    the mailbox (logged as a permission refusal) until B's own script takes it."""
    server, hub, clock, _ci = world
    server.add_user("runner-a", email="runner-a@example.com")
    release_a = server.create_release("Release A", script_username="runner-a")
    server.add_team(release_a, "Runners", members=["runner-a"])   # A only
    task_a = server.add_task(server.add_phase(release_a, "Production"), TASK_TYPE, "Approve A",
                             owner="alice")
    server.start_release(release_a)
    clock.advance(0)
    assert [r.outcome for r in server.task_runs(task_a)] == ["scheduled"]
    clock.advance(10)
    _release_b, task_b, _ = started_task(server, clock, owner="bob")   # run as admin
    request = hub.wait_for_mail("bob@example.com", 1)[0]
    client_of(hub, "bob").click(request, "COMPLETE")
    hub.wait_for_deliveries(3)
    with caplog.at_level("INFO", logger="com.xebialabs.xlrelease.plugins.remotecompletion"):
        runs = waiting_scripts_run(server, clock, task_a, INTERVAL - 10)
    assert [r.outcome for r in runs] == ["scheduled"]
    assert hub.imap_count() == 1 and verdict_comments(server, task_b) == []
    refused = [r for r in caplog.records if "(no-permission)" in r.getMessage()]
    assert len(refused) == 1 and refused[0].levelname == "WARNING"
    assert "kept for the next cycle" in refused[0].getMessage()
    next_cycle_due()
    runs = waiting_scripts_run(server, clock, task_b, 10)
    assert [r.outcome for r in runs] == ["completed"] and hub.imap_count() == 0
