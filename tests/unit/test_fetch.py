"""Full fetch cycles against a real Dovecot (TLS verified with a trustme CA)."""
from __future__ import annotations

import datetime

import pytest

from remote_completion import decide, fetch, handover, maildebug
from tests.fetcher import samples as s
from tests.fetcher.samples import good_reply
from tests.support.fetch_host import MAILBOX_PASSWORD

pytestmark = pytest.mark.dovecot

D = decide


def test_a_valid_reply_completes_the_task_with_an_audit_comment_and_is_removed(make_host, verdicts):
    host = make_host()
    host.deliver(good_reply(client=s.gmail))
    summary = host.run()
    assert host.status() == "COMPLETED"
    assert host.world.actions == [(s.TASK_ID, "COMPLETE")]
    (task_id, text), = host.world.comments
    assert task_id == s.TASK_ID
    assert text.startswith("Completed by email by Alice Smith <alice@example.com> on ")
    human, marker = text.rsplit("\n\n", 1)
    assert " UTC." in human and human.endswith("\n\nComment: Deployed and verified.")
    assert marker.startswith("`xlr-remote-completion verdict=COMPLETE run=%s " % s.RUN)
    assert host.count() == 0
    assert summary.acted == 1 and summary.removed == 1 and summary.error is None
    assert verdicts() == [
        "Remote completion: mail 1 from alice@example.com for %s: recorded COMPLETE on the task "
        "(its waiting script ends it)"
        % s.TASK_ID
    ]


def test_a_fail_reply_fails_the_task(make_host):
    host = make_host()
    host.deliver(good_reply("FAIL", comment="Smoke tests red.", client=s.outlook))
    host.run()
    assert host.status() == "FAILED"
    assert host.world.tasks[s.TASK_ID]["failuresCount"] == 1
    assert host.world.comments[0][1].startswith("Failed by email by Alice Smith")
    assert (
        "Comment: Smoke tests red.\n\n`xlr-remote-completion verdict=FAIL"
        in host.world.comments[0][1]
    )
    assert host.count() == 0


def test_the_audit_comment_says_when_in_utc():
    when = datetime.datetime(2026, 11, 25, 10, 0)
    text = handover.audit_text("COMPLETE", "Alice Smith", s.ALICE, when, "ok [link](http://x) <b>")
    assert text == ("Completed by email by Alice Smith <alice@example.com> on 2026-11-25 10:00 UTC."
                    "\n\nComment: ok \\[link\\](http://x) \\<b\\>")
    assert handover.audit_text("FAIL", None, s.ALICE, when, "") == \
        "Failed by email by alice@example.com on 2026-11-25 10:00 UTC."


def test_starttls_on_the_plain_port(make_host):
    host = make_host(tls_mode="STARTTLS")
    host.deliver(good_reply())
    summary = host.run()
    assert summary.error is None and summary.acted == 1
    assert host.status() == "COMPLETED"


@pytest.mark.parametrize("tls_mode", ["IMPLICIT", "STARTTLS"])
def test_an_untrusted_ca_is_refused_and_the_mail_stays(make_host, verdicts, tls_mode):
    host = make_host(tls_mode=tls_mode, trusted=False)
    host.deliver(good_reply())
    summary = host.run()
    assert summary.error == "imap" and summary.total == 0
    assert host.status() == "IN_PROGRESS" and host.count() == 1
    errors = [line for line in verdicts.all() if "failed" in line]
    assert len(errors) == 1 and "certificate verify failed" in errors[0]
    assert MAILBOX_PASSWORD not in "\n".join(verdicts.all())


def test_no_or_several_configurations_log_one_error(make_host, verdicts):
    host = make_host()
    host.world.imap_cis.append(host.ci)
    assert host.run().error == "configuration"
    host.world.imap_cis = []
    assert host.run().error == "configuration"
    lines = verdicts.all()
    assert len(lines) == 2 and "exactly one" in lines[0] and "No IMAP server" in lines[1]


def negative_cases(host):
    """(reply bytes, expected reason) for every rule; all for the same task."""
    world = host.world
    world.add_task(s.TASK_ID + "1", owner="alice", status="COMPLETED")
    world.add_task(s.TASK_ID + "2", owner="alice", type_name="xlrelease.Task")
    world.add_task(s.TASK_ID + "3", owner="bob")           # alice is not (any more) assigned
    world.add_task(s.TASK_ID + "4", owner="alice", failures=2)
    world.retry(s.TASK_ID + "4", "4444444444444444")   # the reply below is for the first run
    bob_reply = good_reply(sender="Bob <bob@example.com>")  # alice's signature, bob's mail
    return [
        (good_reply(sig="v2.%s.%s" % (s.RUN, "0" * 64)), D.BAD_SIGNATURE),
        (bob_reply, D.BAD_SIGNATURE),
        (good_reply(task_id=s.TASK_ID + "1"), D.NOT_IN_PROGRESS),
        (good_reply(task_id=s.TASK_ID + "2"), D.WRONG_TYPE),
        (good_reply(task_id=s.TASK_ID + "3"), D.NOT_ASSIGNEE),
        (good_reply(task_id=s.TASK_ID + "4"), D.STALE_RUN),
        (good_reply(task_id=s.TASK_ID + "9", sig="v2.%s.%s" % (s.RUN, "9" * 64)),
         D.BAD_SIGNATURE),  # unknown task, forged
        (good_reply(extra=["Auto-Submitted: auto-replied"]), D.AUTO_REPLY),
        (good_reply(extra=["X-XLR-Remote-Completion: request"]), D.SELF_SENT),
        (s.plain("Please complete my task, thanks"), D.NO_METADATA),
        (good_reply(comment="x" * 300_000), D.TOO_LARGE),
    ]


def test_every_negative_case_is_ignored_with_a_logged_reason_and_removed(make_host, verdicts):
    host = make_host()
    cases = negative_cases(host)
    for raw, _reason in cases:
        host.deliver(raw)
    summary = host.run(batch_size=4)
    assert host.world.actions == []
    assert host.status() == "IN_PROGRESS"
    assert host.count() == 0
    lines = verdicts()
    assert len(lines) == len(cases)
    for uid, ((_raw, reason), line) in enumerate(zip(cases, lines), start=1):
        assert line.startswith("Remote completion: mail %d from " % uid), line
        assert "ignored (%s)" % reason in line, (reason, line)
    assert sum(summary.counts.values()) == len(cases) and summary.removed == len(cases)
    assert "v2." not in "\n".join(verdicts.all())


def test_whitelisting_from_and_to(make_host, verdicts):
    host = make_host(whitelist=["EXAMPLE.com", "corp.example"])
    host.deliver(good_reply(to="xlr-replies@other.example"))
    host.deliver(good_reply(to="xlr-replies@CORP.example"))
    host.run()
    lines = verdicts()
    assert "ignored (not-whitelisted)" in lines[0] and "recorded COMPLETE" in lines[1]
    assert host.status() == "COMPLETED"


def test_team_and_role_members_are_assignees(make_host):
    host = make_host()
    host.world.tasks[s.TASK_ID].update(owner=None, team="Release managers")
    host.world.teams = {"Release managers": [("bob", "PRINCIPAL"), ("approvers", "ROLE")]}
    host.world.roles = {"approvers": ["carol"]}
    host.deliver(good_reply(recipient="carol@example.com", sender="Carol <carol@example.com>"))
    host.run()
    assert host.status() == "COMPLETED"
    assert host.world.comments[0][1].startswith(
        "Completed by email by Carol Role <carol@example.com>"
    )
    # The audit's name is the assignee the judge found: each user read once.
    users = [name for name in host.world.calls if name == "getUser"]
    assert users == ["getUser"] * 2   # bob, then carol (through the role)


def test_quarantine_folder_gets_rejected_mail(make_host):
    host = make_host(quarantine="Remote completion quarantine")
    host.deliver(good_reply(sig="v1." + "0" * 64))
    host.deliver(s.plain("hello"))
    host.deliver(good_reply())
    summary = host.run()
    assert host.status() == "COMPLETED"
    assert host.count() == 0
    assert host.count("Remote completion quarantine") == 2
    assert summary.quarantined == 2 and summary.removed == 1
    host.deliver(s.plain("more junk"))
    assert host.run().quarantined == 1  # the folder exists now
    assert host.count("Remote completion quarantine") == 3


def test_an_unusable_quarantine_folder_is_an_error_but_acted_mail_goes(make_host, verdicts):
    host = make_host(quarantine="bad/name")  # Dovecot's Maildir++ refuses '/'
    host.deliver(s.plain("hello"))
    host.deliver(good_reply())
    summary = host.run()
    assert summary.error == "imap" and host.status() == "COMPLETED"
    assert host.count() == 1  # the rejected one waits for the admin to fix the folder
    assert any("create folder bad/name failed" in line for line in verdicts.all())


def test_a_failing_api_call_leaves_the_mail_for_the_next_cycle(make_host, verdicts):
    host = make_host()
    host.world.faults = {"commentTask": 1}
    host.deliver(good_reply())
    summary = host.run()
    assert summary.kept == 1 and host.count() == 1 and host.status() == "IN_PROGRESS"
    assert "kept for the next cycle (server-error)" in verdicts()[-1]
    summary = host.run()
    assert summary.acted == 1 and host.count() == 0 and host.status() == "COMPLETED"


def test_an_api_error_after_the_comment_was_written_counts_as_recorded(make_host, verdicts):
    host = make_host()
    host.world.faults_after = {"commentTask": 1}
    host.deliver(good_reply())
    summary = host.run()
    assert host.status() == "COMPLETED" and host.count() == 0
    assert summary.counts == {D.ACTED: 1}   # read back: the verdict is on the task
    assert host.world.actions == [(s.TASK_ID, "COMPLETE")]


def test_unreadable_task_keeps_genuine_mail_and_drops_forged_mail(make_host, verdicts):
    host = make_host()
    host.world.faults = {"getTask": 1}
    host.deliver(good_reply())
    host.deliver(good_reply(sig="v2.%s.%s" % (s.RUN, "1" * 64)))
    summary = host.run()
    assert summary.counts == {D.SERVER_ERROR: 1, D.BAD_SIGNATURE: 1}
    assert host.count() == 1
    assert host.run().acted == 1 and host.count() == 0


def test_a_genuine_reply_for_a_vanished_task_waits_a_day_then_goes(make_host, verdicts):
    host = make_host()
    host.deliver(good_reply(task_id=s.TASK_ID + "9"))  # signed by us, task deleted since
    assert host.run().counts == {D.SERVER_ERROR: 1} and host.count() == 1
    later = datetime.datetime.utcnow() + fetch.RETRY_WINDOW + datetime.timedelta(hours=1)
    assert host.run(now=later).counts == {D.UNKNOWN_TASK: 1} and host.count() == 0
    assert "ignored (unknown-task)" in verdicts()[-1]


def test_assignee_lookup_failure_keeps_the_mail(make_host):
    host = make_host()
    host.world.tasks[s.TASK_ID].update(owner=None, team="Release managers")
    host.world.teams = {"Release managers": [("alice", "PRINCIPAL")]}
    host.world.faults = {"getTeams": 1}
    host.deliver(good_reply())
    assert host.run().kept == 1 and host.count() == 1
    assert host.run().acted == 1


def test_a_repeated_reply_is_harmless(make_host, verdicts):
    host = make_host()
    host.deliver(good_reply())
    host.deliver(good_reply())
    summary = host.run(batch_size=1)
    assert host.world.actions == [(s.TASK_ID, "COMPLETE")]
    # The same Message-ID: the same mail delivered twice, recorded once.
    assert summary.counts == {D.ACTED: 1, D.ALREADY_RECORDED: 1}
    assert host.count() == 0


def test_batches_and_large_mail(make_host, verdicts):
    host = make_host()
    for i in range(7):
        host.world.add_task(s.TASK_ID + "%d" % i, owner="alice")
        host.deliver(good_reply(task_id=s.TASK_ID + "%d" % i))
    host.deliver(good_reply(comment="y" * 50_000))
    summary = host.run(batch_size=3, max_message_size=20_000)
    assert summary.acted == 7 and summary.counts[D.TOO_LARGE] == 1
    assert host.count() == 0 and len(verdicts()) == 8


def test_the_trace_shows_no_password(make_host, capfd):
    host = make_host()
    host.deliver(good_reply())
    maildebug.set_enabled(True)
    host.run()
    err = capfd.readouterr().err
    assert "DEBUG IMAP: C " in err and "LOGIN ********" in err
    assert MAILBOX_PASSWORD not in err and host.user not in err.split("LOGIN", 1)[1][:40]
    assert s.sign() not in err  # message contents are reduced to their size


def test_the_connection_test_script_function(make_host):
    host = make_host()
    ok, message = host.check_connection()
    assert ok and "logged in as %s" % host.user in message
    ok, message = host.check_connection(password="wrong-password-123")
    assert not ok and "wrong-password-123" not in message and "login failed" in message
    ok, message = host.check_connection(trustedCertificates=None)
    assert not ok and "certificate verify failed" in message


def test_processed_mail_is_gone_and_kept_mail_untouched(make_host):
    """Removal is by UID: a message that arrives during the cycle is not lost."""
    host = make_host()
    host.world.faults = {"commentTask": 1}
    host.deliver(good_reply())
    host.deliver(s.plain("junk"))
    host.run()
    client = host.server.client(host.user)
    try:
        client.select("INBOX")
        typ, data = client.uid("SEARCH", "ALL")
        assert data[0].split() == [b"1"]
        typ, data = client.uid("FETCH", "1", "(FLAGS)")
        assert b"\\Deleted" not in data[0] and b"\\Seen" not in data[0]
    finally:
        client.logout()


def test_two_fetchers_on_one_mailbox_handle_each_message_once(make_host, verdicts):
    """Two cluster nodes (here: two threads, so two claim tokens) drain one
    mailbox at once: CONDSTORE claims give every message to exactly one."""
    import threading
    host = make_host()
    for i in range(16):
        host.world.add_task(s.TASK_ID + "%d" % i, owner="alice")
        host.deliver(good_reply(task_id=s.TASK_ID + "%d" % i))
    start = threading.Barrier(2)
    summaries = []

    def node():
        start.wait(10)
        summaries.append(host.run(batch_size=2))
    threads = [threading.Thread(target=node, name="node-%d" % n) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(summaries) == 2 and all(x.error is None for x in summaries)
    assert sorted(task for task, _ in host.world.actions) == sorted(
        s.TASK_ID + "%d" % i for i in range(16)
    )
    assert len(verdicts()) == 16  # one verdict per message across both nodes
    assert host.count() == 0


def test_mail_debug_from_the_conf_turns_the_trace_on_and_off(make_host, capfd, monkeypatch):
    monkeypatch.delenv("XLR_MAIL_DEBUG", raising=False)
    host = make_host()
    host.run(mail_debug=True)
    assert "DEBUG IMAP: C " in capfd.readouterr().err
    host.run(mail_debug=False)
    assert "DEBUG IMAP" not in capfd.readouterr().err


def test_without_move_and_uidplus_quarantine_copies_and_expunges(make_host, monkeypatch, capfd):
    """Servers without MOVE/UIDPLUS: UID COPY + STORE \\Deleted + EXPUNGE."""
    from remote_completion import imap
    real_has = imap.ImapClient.has
    monkeypatch.setattr(
        imap.ImapClient, "has",
        lambda self, cap: cap.upper() not in ("MOVE", "UIDPLUS") and real_has(self, cap))
    host = make_host(quarantine="Junk replies")
    host.deliver(s.plain("junk one"))
    host.deliver(good_reply())
    host.deliver(s.plain("junk two"))
    maildebug.set_enabled(True)
    summary = host.run()
    trace = capfd.readouterr().err
    assert summary.quarantined == 2 and summary.removed == 1 and host.status() == "COMPLETED"
    assert host.count() == 0 and host.count("Junk replies") == 2
    assert "UID COPY" in trace and "UID MOVE" not in trace and "UID EXPUNGE" not in trace
