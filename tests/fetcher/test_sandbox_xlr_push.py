"""Push on XL Release end to end in the sandbox (``Server(**XL_RELEASE)``: no
xl-rules job): the task's waiting script run takes the JVM-wide slot and
waits in a real IMAP IDLE session; the person clicks the button; the reply
wakes the session, its fetch cycle records the verdict, and the same run
ends its own task, within the session, before its time is up."""
from __future__ import annotations

import importlib
import threading

import pytest

from sandbox.server import XL_RELEASE
from tests.fetcher.test_sandbox_fetch import (PEOPLE, REPLIES_HUB, client_of, started_task,
                                              verdict_comments, whitelisted_mailbox)
from tests.support.sandbox_world import plugin_world
from tests.unit.test_xlrpush import idle_entered


@pytest.fixture
def push_world(tmp_path, monkeypatch):
    # A session far longer than the test: the reply, not its end, ends the run.
    conf = ("xl.remote-completion {\n  startup-delay = 0 seconds\n"
            "  sync-interval = 30 seconds\n  wait-interval = 2 seconds\n"
            "  xlr-push-session = 10 minutes\n}\n")
    with plugin_world(tmp_path, conf, PEOPLE, hub=REPLIES_HUB,
                      **dict(XL_RELEASE, refuse_title_none=False)) as (server, hub, clock):
        # The plugin's modules as the sandbox loads them (its own copies).
        imap = importlib.import_module("remote_completion.imap")
        polling = importlib.import_module("remote_completion.polling")
        entered = idle_entered(monkeypatch, imap)
        whitelisted_mailbox(server, hub)
        # A fresh JVM-wide slot store (the plugin's module, as the sandbox loads it).
        polling._store[0] = None
        yield server, hub, clock, entered, polling


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
