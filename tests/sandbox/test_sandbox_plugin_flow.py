"""The real plugin in the sandbox, end to end, on a virtual clock, with the
fetch job of xl-rules.xml asked for (``run_jobs=True``: a host that runs it).

The plugin runs from ext/ and plugin/ or the gradle-built jar; mail goes
through the embedded SMTP and IMAP servers with verified TLS; a person's
mail client clicks the button.  The same flow in XL Release mode (no job,
the waiting script fetches): test_sandbox_xlr_mode.py and
tests/fetcher/test_sandbox_fetch.py.
"""
from __future__ import annotations

import pytest

from sandbox import Plugin, Server, VirtualClock, demo
from sandbox_helpers import JOB_CONF, REPO, demo_server

ALICE, BOB, CAROL = demo.PEOPLE
ONE_SECOND_DELAY = "xl.remote-completion.startup-delay = 1 second\n"


@pytest.fixture
def flow(tmp_path, mail):
    hub, passwords = mail
    assert hub.imap_count() == 0, "a previous test left mail in the remote completion INBOX"
    server, clock = demo_server(tmp_path / "home", mail, JOB_CONF, run_jobs=True)
    with server:
        release, task, after = demo.create_release(server)
        yield server, clock, hub, passwords, release, task, after


def request_for(hub, person, index=-1):
    # The person's mailbox also holds the outcome replies the fetcher sent.
    mails = hub.wait_for_mail(person[2], 1)
    return [m for m in mails if m["X-XLR-Remote-Completion"] == "request"][index]


def test_complete_by_reply(flow):
    server, clock, hub, passwords, release, task, after = flow
    sent_before = {p[2]: len(hub.mailbox_files(p[2])) for p in demo.PEOPLE}
    server.start_release(release)
    clock.run_due()                                   # StartTask.py runs
    for person in demo.PEOPLE:  # carol through the role
        assert (
            len(hub.wait_for_mail(person[2], sent_before[person[2]] + 1))
            == sent_before[person[2]] + 1
        )
    assert str(server.task_bean(task).status) == "IN_PROGRESS"
    assert server.pending_script(task) == "remoteCompletion/WaitForReply.py"

    demo.mail_client(hub, passwords, BOB).click(
        request_for(hub, BOB), "complete", comment="Fine by me."
    )
    clock.advance(1)  # the fetch job's first run records the verdict
    assert str(server.task_bean(task).status) == "IN_PROGRESS"
    clock.advance(1)                                  # the task's waiting script ends it
    bean = server.task_bean(task)
    assert str(bean.status) == "COMPLETED"
    verdict, = [c.text for c in bean.comments if "`xlr-remote-completion verdict=" in c.text]
    assert "Bob Baker" in verdict and "Fine by me." in verdict
    assert str(server.task_bean(after).status) == "IN_PROGRESS"
    assert server.pending_script(task) is None
    comments = server.activity_log(release, "Comments")
    assert comments[-1].username == "admin"
    assert hub.imap_count() == 0                      # processed mail is removed


def test_fail_then_retry_sends_a_new_request_and_old_links_stop_working(flow):
    server, clock, hub, passwords, release, task, after = flow
    server.start_release(release)
    clock.run_due()
    first = request_for(hub, ALICE)
    demo.mail_client(hub, passwords, ALICE).click(first, "fail", comment="Not yet.")
    clock.advance(2)                                  # job records, waiting script fails the task
    bean = server.task_bean(task)
    assert (str(bean.status), bean.failuresCount) == ("FAILED", 1)
    assert str(server.release_bean(release).status) == "FAILED"

    count = len(hub.mailbox_files(ALICE[2]))
    server.retry_task(task)  # xl-rules.xml: on="retry" runs StartTask.py again
    clock.run_due()
    assert len(hub.wait_for_mail(ALICE[2], count + 1)) == count + 1
    # A reply to the first request is signed for the first run: it must not act now.
    demo.mail_client(hub, passwords, ALICE).click(first, "complete")
    clock.advance(4)
    assert str(server.task_bean(task).status) == "IN_PROGRESS"
    demo.mail_client(hub, passwords, ALICE).click(request_for(hub, ALICE), "complete")
    clock.advance(4)
    assert str(server.task_bean(task).status) == "COMPLETED"
    assert hub.imap_count() == 0


def test_reply_through_someone_elses_link_does_not_act(flow):
    server, clock, hub, passwords, release, task, after = flow
    server.start_release(release)
    clock.run_due()
    # Carol sends the reply from Alice's request (a forwarded mail).
    demo.mail_client(hub, passwords, CAROL).click(request_for(hub, ALICE), "complete")
    clock.advance(1)
    assert str(server.task_bean(task).status) == "IN_PROGRESS"
    assert hub.imap_count() == 0                      # removed, not acted on


@pytest.mark.gradle
def test_the_gradle_built_jar_runs_the_same_flow(tmp_path, mail):
    from tests.support import lanes
    hub, passwords = mail
    jar = lanes.build_plugin_jar(tmp_path / "gradle")
    home = tmp_path / "home"
    (home / "plugins" / "__local__").mkdir(parents=True)
    installed = home / "plugins" / "__local__" / jar.name
    installed.write_bytes(jar.read_bytes())
    (plugin,) = Plugin.from_home(home)
    server, clock = demo_server(home, mail, ONE_SECOND_DELAY, plugin, run_jobs=True)
    with server:
        import remote_completion
        assert remote_completion.__file__.startswith(str(installed.resolve()))
        release, task, _ = demo.create_release(server)
        server.start_release(release)
        clock.run_due()
        demo.mail_client(hub, passwords, ALICE).click(request_for(hub, ALICE), "complete")
        clock.advance(30)                             # the job records, the waiting script ends
        assert str(server.task_bean(task).status) == "COMPLETED"


def test_imap_server_test_button(tmp_path, mail):
    hub, passwords = mail
    server = Server(tmp_path / "home", [Plugin.from_repo(REPO)], clock=VirtualClock())
    good = demo.configure_server(server, hub, passwords)
    wrong = server.create_configuration(
        demo.IMAP_TYPE,
        "Wrong password",
        host=hub.imap_host,
        port=hub.imap_tls_port,
        useTls=True,
        tlsMode="IMPLICIT",
        username=hub.imap_user,
        password="not-the-password",
        fromAddress=demo.REMOTE_ADDRESS,
        secret="s" * 32,
        trustedCertificates=hub.ca_pem.read_text(),
    )
    untrusted = server.create_configuration(
        demo.IMAP_TYPE, "Untrusted", host=hub.imap_host, port=hub.imap_tls_port, useTls=True,
        tlsMode="IMPLICIT", username=hub.imap_user, password=hub.imap_password,
        fromAddress=demo.REMOTE_ADDRESS, secret="s" * 32)
    with server:
        assert server.test_configuration(good)["success"] is True
        for ci in (wrong, untrusted):
            result = server.test_configuration(ci)
            assert result["success"] is False and result["scriptFound"] is True
            assert "not-the-password" not in result["output"] + (result["errorText"] or "")


def test_a_reply_the_server_could_not_act_on_stays_for_the_next_run(flow):
    server, clock, hub, passwords, release, task, after = flow
    server.start_release(release)
    clock.run_due()
    demo.mail_client(hub, passwords, ALICE).click(request_for(hub, ALICE), "complete")
    server.inject_api_fault("taskApi.commentTask")
    clock.advance(1)                                  # first run: recording the verdict fails
    assert server.api_faults_raised == ["taskApi.commentTask"]
    assert str(server.task_bean(task).status) == "IN_PROGRESS"
    assert hub.imap_count() == 1                      # nothing lost
    clock.advance(3)                                  # next run records, the waiting script ends
    assert str(server.task_bean(task).status) == "COMPLETED"
    assert hub.imap_count() == 0


def test_flow_with_xl_releases_custom_script_task_type(tmp_path, mail):
    hub, passwords = mail
    server, clock = demo_server(tmp_path / "home", mail, ONE_SECOND_DELAY,
                                custom_script_task_type=True, run_jobs=True)
    with server:
        release, task, _ = demo.create_release(server)
        server.start_release(release)
        clock.run_due()
        demo.mail_client(hub, passwords, ALICE).click(request_for(hub, ALICE), "complete")
        clock.advance(30)                             # the job records, the waiting script ends
        try:
            assert str(server.task_bean(task).status) == "COMPLETED"
        finally:
            # Leave the shared INBOX empty for the next test whatever happened.
            client = hub.imap_client()
            try:
                client.select("INBOX")
                client.store("1:*", "+FLAGS", "\\Deleted")
                client.expunge()
            finally:
                client.logout()
