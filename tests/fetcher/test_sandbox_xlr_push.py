"""Push on XL Release end to end in the sandbox (``Server(**XL_RELEASE)``: no
xl-rules job): the task's waiting script run takes the JVM-wide slot and
waits in a real IMAP IDLE session; the person clicks the button; the reply
wakes the session, its fetch cycle records the verdict, and the same run
ends its own task, within the session, before its time is up."""
from __future__ import annotations

import importlib
import threading

import pytest

from sandbox import server as sandbox_server
from sandbox.server import XL_RELEASE
from sandbox.clock import VirtualClock
from sandbox.conf import write_conf
from sandbox.mail import MailHub
from sandbox.plugin import Plugin
from tests.fetcher.test_sandbox_fetch import (IMAP_TYPE, PEOPLE, REPO, SECRET, client_of,
                                              started_task, verdict_comments)


@pytest.fixture
def push_world(tmp_path, monkeypatch):
    hub = MailHub(tmp_path / "mail", remote_address="xlr-replies@example.com").start()
    home = tmp_path / "home"
    # A session far longer than the test: the reply, not its end, ends the run.
    write_conf(home, "xl.remote-completion {\n  startup-delay = 0 seconds\n"
                     "  sync-interval = 30 seconds\n  wait-interval = 2 seconds\n"
                     "  xlr-push-session = 10 minutes\n}\n")
    clock = VirtualClock()
    server = sandbox_server.Server(home, plugins=[Plugin.from_repo(REPO)], clock=clock,
                                   **dict(XL_RELEASE, refuse_title_none=False))
    entered = threading.Event()
    try:
        server.start()
        # The plugin's modules as the sandbox loads them (its own copies).
        imap = importlib.import_module("remote_completion.imap")
        polling = importlib.import_module("remote_completion.polling")
        real_idle = imap.ImapClient.idle

        def idle(self, *args, **kwargs):
            session = real_idle(self, *args, **kwargs)
            entered.set()
            return session
        monkeypatch.setattr(imap.ImapClient, "idle", idle)
        for username, (name, address) in PEOPLE.items():
            server.add_user(username, email=address, full_name=name)
        server.set_smtp_server(host="localhost", port=hub.smtp_port, tls=True,
                               fromAddress="XL Release <xlr@example.com>")
        server.create_configuration(
            IMAP_TYPE, "Remote completion mailbox", host="localhost", port=hub.imap_tls_port,
            useTls=True, tlsMode="IMPLICIT", username=hub.imap_user,
            password=hub.imap_password, fromAddress=hub.remote_address,
            enableWhitelisting=True, domainWhitelist={"example.com"}, secret=SECRET,
            trustedCertificates=hub.ca_pem.read_text())
        # A fresh JVM-wide slot store (the plugin's module, as the sandbox loads it).
        polling._store[0] = None
        yield server, hub, clock, entered, polling
    finally:
        server.stop()
        hub.stop()


def test_a_reply_is_handled_inside_the_waiting_scripts_idle_session(push_world):
    server, hub, clock, entered, polling = push_world
    release, task_id, after = started_task(server, clock, owner="alice")
    request = hub.wait_for_mail("alice@example.com", 1)[0]
    runs_before = len(server.task_runs(task_id))
    # The host's script thread: the due waiting run takes the slot and idles.
    host_thread = threading.Thread(target=clock.advance, args=(30,))
    host_thread.start()
    try:
        assert entered.wait(60), "the waiting script never entered IDLE"
        slot = polling._slot_store().get(polling.xlrpush.PUSH_SLOT_KEY)
        assert slot not in (None, "0")                     # held by that run
        client_of(hub, "alice").click(request, "COMPLETE", comment="Go.")
        host_thread.join(120)
        assert not host_thread.is_alive()
    finally:
        host_thread.join(5)
    runs = server.task_runs(task_id)[runs_before:]
    # One run: it idled, its wake-up's cycle recorded the verdict, it ended the task.
    assert [r.outcome for r in runs] == ["completed"], [(r.outcome, r.error) for r in runs]
    assert str(server.task_bean(task_id).status) == "COMPLETED"
    assert server.job_runs == []
    audit, = verdict_comments(server, task_id)
    assert audit.startswith("Completed by email by Alice Smith <alice@example.com> on ")
    assert hub.imap_count() == 0
    assert polling._slot_store().get(polling.xlrpush.PUSH_SLOT_KEY) == "0"   # given back
