"""A release in a folder that holds its own IMAP server configuration, run as
XL Release runs the plugin (no xl-rules job, Server(**XL_RELEASE)): the
request names the folder's mailbox and is signed with its secret, the task's
waiting script fetches that mailbox (not the global one) and verifies the
verdict with that secret, and the task completes.  The global mailbox cannot
even be reached, so a plugin that read it would never see the reply."""
from __future__ import annotations

import pytest

from sandbox.server import XL_RELEASE
from tests.support.sandbox_world import (IMAP_TYPE, comments_text, imap_configuration,
                                         mail_client, next_cycle_due, plugin_world, start_task)

INTERVAL = 30


@pytest.fixture(params=["polling", "push"])
def world(tmp_path, request):
    # Polling: each waiting run that is due reads its task's (folder's) mailbox.
    # Push: the IDLE session holds the global mailbox; a folder's mailbox is
    # read by the runs that read their task (a notice, or a chance draw with
    # probability wait-interval / sync-interval: 1 here, so no random draw).
    conf = ("  sync-interval = %d seconds\n  push-enabled = false\n" % INTERVAL
            if request.param == "polling" else
            "  sync-interval = 2 seconds\n  wait-interval = 2 seconds\n"
            "  xlr-push-session = 2 seconds\n")
    conf = "xl.remote-completion {\n  startup-delay = 0 seconds\n%s}\n" % conf
    with plugin_world(tmp_path, conf, {"alice": ("Alice Smith", "alice@example.com")},
                      hub=dict(remote_address="payments-replies@example.com"),
                      **XL_RELEASE) as (server, hub, clock):
        # The global mailbox: nothing listens on its port.
        server.create_configuration(
            IMAP_TYPE, "Global mailbox", host="localhost", port=1, useTls=False,
            username="nobody", password="global-pass-1", fromAddress="global@example.com",
            secret="global-secret-0123456789")
        folder = server.create_folder("Payments")
        imap_configuration(server, hub, "Payments mailbox", folder=folder,
                           secret="payments-secret-0123456789")
        yield server, hub, clock, folder


def test_the_folders_mailbox_is_fetched_and_its_secret_verifies(world):
    server, hub, clock, folder = world
    task_id = start_task(server, clock, "Payments 2.4", folder=folder, owner="alice")
    request = hub.wait_for_mail("alice@example.com", 1)[0]
    # The folder's mailbox, with the plain-Reply token as its sub-address.
    local, _, domain = request["Reply-To"].partition("@")
    assert local.split("+")[0] + "@" + domain == hub.remote_address
    assert "+xlr" in local
    mail_client(hub, "alice@example.com", "Alice Smith").click(request, "COMPLETE", comment="Go.")
    hub.wait_for_deliveries(2)
    assert hub.imap_count() == 1
    next_cycle_due()
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
    task_id = start_task(server, clock, "Payments 2.5", folder=inner, team="Ops")
    request = hub.wait_for_mail("bob@example.com", 1)[0]
    mail_client(hub, "bob@example.com", "Bob Jones").click(request, "COMPLETE",
                                                          comment="Fine by ops.")
    hub.wait_for_deliveries(2)
    next_cycle_due()
    clock.advance(INTERVAL)
    assert str(server.task_bean(task_id).status) == "COMPLETED"
    comments = comments_text(server, task_id)
    assert "Completed by email by Bob Jones <bob@example.com>" in comments
