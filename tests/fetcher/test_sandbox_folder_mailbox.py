"""A release in a folder that holds its own IMAP server configuration, run as
XL Release runs the plugin (no xl-rules job, Server(**XL_RELEASE)): the
request names the folder's mailbox and is signed with its secret, the task's
waiting script fetches that mailbox (not the global one) and verifies the
verdict with that secret, and the task completes.  The global mailbox cannot
even be reached, so a plugin that read it would never see the reply."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from sandbox import mailclient
from sandbox import server as sandbox_server
from sandbox.clock import VirtualClock
from sandbox.conf import write_conf
from sandbox.mail import MailHub
from sandbox.plugin import Plugin
from sandbox.server import XL_RELEASE

REPO = Path(__file__).resolve().parents[2]
TASK_TYPE = "remoteCompletion.RemoteCompletionTask"
IMAP_TYPE = "remoteCompletion.ImapServer"
INTERVAL = 30


@pytest.fixture(params=["polling", "push"])
def world(tmp_path, request):
    hub = MailHub(tmp_path / "mail", remote_address="payments-replies@example.com").start()
    home = tmp_path / "home"
    # Polling: each waiting run that is due reads its task's (folder's) mailbox.
    # Push: the IDLE session holds the global mailbox; a folder's mailbox is
    # read by the runs that read their task (a notice, or a chance draw with
    # probability wait-interval / sync-interval: 1 here, so no random draw).
    conf = ("  sync-interval = %d seconds\n  push-enabled = false\n" % INTERVAL
            if request.param == "polling" else
            "  sync-interval = 2 seconds\n  wait-interval = 2 seconds\n"
            "  xlr-push-session = 2 seconds\n")
    write_conf(home, "xl.remote-completion {\n  startup-delay = 0 seconds\n%s}\n" % conf)
    clock = VirtualClock()
    server = sandbox_server.Server(home, plugins=[Plugin.from_repo(REPO)], clock=clock,
                                   **XL_RELEASE)
    try:
        server.start()
        server.add_user("alice", email="alice@example.com", full_name="Alice Smith")
        server.set_smtp_server(host="localhost", port=hub.smtp_port, tls=True,
                               fromAddress="XL Release <xlr@example.com>")
        # The global mailbox: nothing listens on its port.
        server.create_configuration(
            IMAP_TYPE, "Global mailbox", host="localhost", port=1, useTls=False,
            username="nobody", password="global-pass-1", fromAddress="global@example.com",
            secret="global-secret-0123456789")
        folder = server.create_folder("Payments")
        server.create_configuration(
            IMAP_TYPE, "Payments mailbox", folder=folder, host="localhost",
            port=hub.imap_tls_port, useTls=True, tlsMode="IMPLICIT", username=hub.imap_user,
            password=hub.imap_password, fromAddress=hub.remote_address,
            secret="payments-secret-0123456789", trustedCertificates=hub.ca_pem.read_text())
        yield server, hub, clock, folder
    finally:
        server.stop()
        hub.stop()


def test_the_folders_mailbox_is_fetched_and_its_secret_verifies(world):
    server, hub, clock, folder = world
    release = server.create_release("Payments 2.4", folder=folder)
    phase = server.add_phase(release, "Production")
    task_id = server.add_task(phase, TASK_TYPE, "Approve", owner="alice")
    server.start_release(release)
    clock.advance(0)
    request = hub.wait_for_mail("alice@example.com", 1)[0]
    # The folder's mailbox, with the plain-Reply token as its sub-address.
    local, _, domain = request["Reply-To"].partition("@")
    assert local.split("+")[0] + "@" + domain == hub.remote_address
    assert "+xlr" in local
    client = mailclient.MailClient("alice@example.com", mailclient.SmtpAccount(
        hub.smtp_host, hub.smtp_port, hub.ca_pem, "starttls"), full_name="Alice Smith")
    client.click(request, "COMPLETE", comment="Go.")
    hub.wait_for_deliveries(2)
    assert hub.imap_count() == 1
    polling = sys.modules.get("remote_completion.polling")
    if polling is not None:
        polling._store[0] = None   # a fresh JVM-wide slot (it counts wall-clock time)
    clock.advance(INTERVAL)
    assert str(server.task_bean(task_id).status) == "COMPLETED"
    assert hub.imap_count() == 0


def test_a_folder_mailbox_has_its_own_cycle_slot():
    from remote_completion import host, polling
    global_config = host.ImapConfig(id="Configuration/Custom/Global")
    folder_config = host.ImapConfig(id="Configuration/Custom/Payments")
    folder_config.folder = "Applications/FolderPayments"
    assert polling.cycle_key(global_config) == polling.LAST_CYCLE_KEY == polling.cycle_key(None)
    assert polling.cycle_key(folder_config) != polling.LAST_CYCLE_KEY
    store = polling._PythonStore()
    store.started_millis = 0
    # Both mailboxes are due at once: the global one's cycle does not hold
    # back the folder's, and each still runs once per sync-interval.
    for key in (polling.LAST_CYCLE_KEY, polling.cycle_key(folder_config)):
        assert polling.take_cycle_slot(30, 0, now_millis=60_000, store=store, key=key)
        assert not polling.take_cycle_slot(30, 0, now_millis=60_001, store=store, key=key)


def test_a_member_of_a_team_held_by_an_outer_folder_completes_the_task(world):
    """The release's own teams are none and its folder holds none either
    (no inherited team views): the team is the outer folder's, for the
    request and for the fetcher's "still an assignee" check."""
    server, hub, clock, folder = world
    server.add_user("bob", email="bob@example.com", full_name="Bob Jones")
    server.add_team(folder, "Ops", members=["bob"])
    inner = server.create_folder("Services", parent=folder)
    release = server.create_release("Payments 2.5", folder=inner)
    phase = server.add_phase(release, "Production")
    task_id = server.add_task(phase, TASK_TYPE, "Approve", team="Ops")
    server.start_release(release)
    clock.advance(0)
    request = hub.wait_for_mail("bob@example.com", 1)[0]
    client = mailclient.MailClient("bob@example.com", mailclient.SmtpAccount(
        hub.smtp_host, hub.smtp_port, hub.ca_pem, "starttls"), full_name="Bob Jones")
    client.click(request, "COMPLETE", comment="Fine by ops.")
    hub.wait_for_deliveries(2)
    polling = sys.modules.get("remote_completion.polling")
    if polling is not None:
        polling._store[0] = None
    clock.advance(INTERVAL)
    assert str(server.task_bean(task_id).status) == "COMPLETED"
    comments = "\n".join(c.text for c in server.task_bean(task_id).comments)
    assert "Completed by email by Bob Jones <bob@example.com>" in comments
