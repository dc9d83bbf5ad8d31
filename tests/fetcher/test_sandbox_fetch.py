"""End to end in the sandbox: a task mails its request, a person clicks the
button in their mail client (sandbox.mailclient follows the mailto link and
sends over verified STARTTLS), the reply lands in the IMAP mailbox (pymap),
the fetch job runs and the task is completed or failed with the audit
comment in the activity log (Comments)."""
from __future__ import annotations

from pathlib import Path

import pytest

from sandbox import server as sandbox_server
from sandbox import mailclient  # noqa: E402
from sandbox.clock import VirtualClock  # noqa: E402
from sandbox.conf import write_conf  # noqa: E402
from sandbox.mail import MailHub  # noqa: E402
from sandbox.plugin import Plugin  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
SECRET = "sandbox-fetch-secret-0123456789"
TASK_TYPE = "remoteCompletion.RemoteCompletionTask"
IMAP_TYPE = "remoteCompletion.ImapServer"
STARTUP = 10
INTERVAL = 30
PEOPLE = {
    "alice": ("Alice Smith", "alice@example.com"),
    "bob": ("Bob Jones", "bob@example.com"),
}


@pytest.fixture
def world(tmp_path):
    hub = MailHub(tmp_path / "mail", remote_address="xlr-replies@example.com").start()
    home = tmp_path / "home"
    write_conf(home, "xl.remote-completion {\n  fetching-enabled = true\n  startup-delay = %d seconds\n"
                     "  sync-interval = %d seconds\n}\n" % (STARTUP, INTERVAL))
    clock = VirtualClock()
    server = sandbox_server.Server(home, plugins=[Plugin.from_repo(REPO)], clock=clock)
    try:
        server.start()
        for username, (name, address) in PEOPLE.items():
            server.add_user(username, email=address, full_name=name)
        server.set_smtp_server(host="localhost", port=hub.smtp_port, tls=True,
                               fromAddress="XL Release <xlr@example.com>")
        ci = server.create_configuration(
            IMAP_TYPE, "Remote completion mailbox", host="localhost", port=hub.imap_tls_port,
            useTls=True, tlsMode="IMPLICIT", username=hub.imap_user, password=hub.imap_password,
            fromAddress=hub.remote_address, enableWhitelisting=True, domainWhitelist={"example.com"},
            secret=SECRET, trustedCertificates=hub.ca_pem.read_text())
        yield server, hub, clock, ci
    finally:
        server.stop()
        hub.stop()


def client_of(hub, username):
    name, address = PEOPLE[username]
    return mailclient.MailClient(address, mailclient.SmtpAccount(
        hub.smtp_host, hub.smtp_port, hub.ca_pem, "starttls"), full_name=name)


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


def fetch_job_runs(server, clock, seconds=STARTUP):
    before = len(server.job_runs)
    clock.advance(seconds)
    runs = server.job_runs[before:]
    assert runs and all(r.outcome == "completed" for r in runs), [(r.outcome, r.error) for r in runs]
    return runs


def comments_in_log(server, release):
    return [e.message for e in server.activity_log(release, "Comments")]


def test_a_clicked_complete_button_completes_the_task(world):
    server, hub, clock, _ci = world
    release, task_id, after = started_task(server, clock, owner="alice")
    request = hub.wait_for_mail("alice@example.com", 1)[0]
    client_of(hub, "alice").click(request, "COMPLETE", comment="CR-1042 checked: go ahead.")
    hub.wait_for_deliveries(2)  # the request, then the reply into the remote mailbox
    assert hub.imap_count() == 1

    fetch_job_runs(server, clock)
    bean = server.task_bean(task_id)
    assert str(bean.status) == "COMPLETED"
    audit = [c.text for c in bean.comments if "by email by" in c.text]
    assert len(audit) == 1
    assert audit[0].startswith("Completed by email by Alice Smith <alice@example.com> on ")
    assert audit[0].endswith("UTC.\n\nComment: CR-1042 checked: go ahead.")
    assert any("Completed by email by Alice Smith" in m for m in comments_in_log(server, release))
    assert str(server.task_bean(after).status) == "IN_PROGRESS"
    assert hub.imap_count() == 0

    # The next run finds nothing and changes nothing.
    fetch_job_runs(server, clock, INTERVAL)
    assert len([c for c in server.task_bean(task_id).comments if "by email by" in c.text]) == 1


def test_a_team_member_fails_the_task_from_the_plain_text_link(world):
    server, hub, clock, _ci = world
    release, task_id, _after = started_task(server, clock, team="Approvers", members=["alice", "bob"])
    request = hub.wait_for_mail("bob@example.com", 1)[0]
    reply = client_of(hub, "bob").click(request, "FAIL", comment="Rollback plan missing.", part="plain")
    assert reply["Subject"].startswith("Fail: ")
    hub.wait_for_deliveries(3)
    fetch_job_runs(server, clock)
    bean = server.task_bean(task_id)
    assert str(bean.status) == "FAILED" and bean.failuresCount == 1
    assert any("Failed by email by Bob Jones <bob@example.com> on " in m and
               m.endswith("Comment: Rollback plan missing.") for m in comments_in_log(server, release))


def test_a_forwarded_request_sent_by_someone_else_is_ignored(world, caplog):
    server, hub, clock, _ci = world
    release, task_id, _after = started_task(server, clock, owner="alice")
    request = hub.wait_for_mail("alice@example.com", 1)[0]
    client_of(hub, "bob").click(request, "COMPLETE", comment="I'll just do it")  # bob, alice's link
    hub.wait_for_deliveries(2)
    with caplog.at_level("INFO", logger="com.xebialabs.xlrelease.plugins.remotecompletion"):
        fetch_job_runs(server, clock)
    assert str(server.task_bean(task_id).status) == "IN_PROGRESS"
    assert hub.imap_count() == 0
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Remote completion: mail")]
    assert len(lines) == 1 and "from bob@example.com" in lines[0] and "ignored (bad-signature)" in lines[0]
    assert not any("by email by" in m for m in comments_in_log(server, release))


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
