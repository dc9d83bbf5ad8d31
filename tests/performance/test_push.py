"""Push (IMAP IDLE) against a real Dovecot: new mail is handled without a
poll, IDLE is refreshed, a dropped connection comes back, and the loop polls
when IDLE is missing or switched off.

The fetch cycle here is a stand-in that empties the box (tests with the real
fetch cycle and host are in test_push_pipeline.py): these tests are about
when cycles run, not what they do.
"""
from __future__ import annotations

import threading

import pytest

from remote_completion import push
from remote_completion.settings import Settings

from .conftest import USERS, run_in_thread
from .mailboxes import Drainer, message, open_mailbox_factory

pytestmark = pytest.mark.dovecot

NEVER = 3600.0      # a poll interval no test waits for
DEADLINE = 15.0     # generous: a loaded CI machine, never a sleep


def start_loop(dovecot, user, port=None, settings=None, tls_mode="none", hide=None, **kwargs):
    drainer = Drainer(dovecot, user)
    open_mailbox, close_mailbox = open_mailbox_factory(
        port or dovecot.port, user, USERS[user], tls_mode,
        dovecot.tls.ca_pem.read_text() if tls_mode != "none" else None)
    stop = threading.Event()
    loop = push.PushLoop(drainer, settings or Settings(sync_interval=NEVER, idle_refresh=1200),
                         open_mailbox, close_mailbox, stop_event=stop, max_seconds=120,
                         backoff=push.Backoff(initial=0.05, cap=0.5), **kwargs)
    thread, result = run_in_thread(loop.run)
    return loop, drainer, stop, thread, result


def settled(stats):
    """IDLE is established and the cycle it triggers is done: from here on
    only a notification (or a poll) can start a cycle."""
    return stats.wait_for(lambda s: s["idle_commands"] >= 1 and s["fetch_cycles"] >= 2, DEADLINE)


def finish(stop, thread, result):
    stop.set()
    thread.join(DEADLINE)
    assert not thread.is_alive(), "the push loop did not stop"
    assert "error" not in result, result.get("error")


def test_new_mail_is_handled_without_a_poll(dovecot, user, proxy):
    loop, drainer, stop, thread, result = start_loop(dovecot, user, port=proxy.port)
    try:
        assert settled(loop.stats), "never entered IDLE"
        dovecot.append(user, message("pushed-1"))
        assert drainer.wait_for("pushed-1", DEADLINE)
        dovecot.append(user, message("pushed-2"))
        assert drainer.wait_for("pushed-2", DEADLINE)
        stats = loop.stats.snapshot()
        assert stats["polls"] == 0
        assert stats["notifications"] >= 2
        assert stats["fetch_cycles"] >= 4
        assert proxy.commands["IDLE"] == 1, "one IDLE stays open across notifications"
    finally:
        finish(stop, thread, result)


def test_mail_already_waiting_is_drained_at_start(dovecot, user):
    for i in range(3):
        dovecot.append(user, message("backlog-%d" % i))
    loop, drainer, stop, thread, result = start_loop(dovecot, user)
    try:
        for i in range(3):
            assert drainer.wait_for("backlog-%d" % i, DEADLINE)
        assert loop.stats.snapshot()["polls"] == 0
    finally:
        finish(stop, thread, result)


def test_idle_is_reissued_before_the_server_would_drop_it(dovecot, user, proxy):
    settings = Settings(sync_interval=NEVER, idle_refresh=0.2)
    loop, drainer, stop, thread, result = start_loop(
        dovecot, user, port=proxy.port, settings=settings
    )
    try:
        assert proxy.wait_for_command("IDLE", 4, DEADLINE), proxy.commands
        assert proxy.connections >= 1
        # Refreshing re-uses the connection: DONE then IDLE again.
        idle_lines = [l for l in proxy.command_lines if l.split()[1:2] == [b"IDLE"]]
        assert len(set(l.split()[0] for l in idle_lines)) == len(idle_lines), "tags are fresh"
        assert loop.stats.snapshot()["connections"] == 1
        dovecot.append(user, message("after-refresh"))
        assert drainer.wait_for("after-refresh", DEADLINE)
    finally:
        finish(stop, thread, result)


@pytest.mark.parametrize("tls_mode", ["none", "implicit"])
def test_reconnects_after_the_connection_is_dropped(dovecot, user, tls_mode):
    from benchmarks.imapproxy import ImapProxy
    upstream = dovecot.tls_port if tls_mode == "implicit" else dovecot.port
    proxy = ImapProxy(dovecot.host, upstream)
    try:
        loop, drainer, stop, thread, result = start_loop(dovecot, user, port=proxy.port,
                                                         tls_mode=tls_mode)
        try:
            assert loop.stats.wait_for(lambda s: s["idle_commands"] >= 1, DEADLINE)
            assert proxy.cut_all() >= 1
            assert loop.stats.wait_for(
                lambda s: s["connection_failures"] >= 1 and s["idle_commands"] >= 2, DEADLINE), \
                loop.stats.snapshot()
            dovecot.append(user, message("after-drop"))
            assert drainer.wait_for("after-drop", DEADLINE)
            assert loop.stats.snapshot()["connections"] >= 2
        finally:
            finish(stop, thread, result)
    finally:
        proxy.close()


def test_keeps_retrying_while_the_server_is_down(dovecot, user):
    from benchmarks.imapproxy import ImapProxy
    proxy = ImapProxy(dovecot.host, dovecot.port)
    proxy.upstream = ("127.0.0.1", 1)   # nothing listens: every connect fails
    loop, drainer, stop, thread, result = start_loop(dovecot, user, port=proxy.port)
    try:
        assert loop.stats.wait_for(lambda s: s["connection_failures"] >= 3, DEADLINE)
        proxy.upstream = (dovecot.host, dovecot.port)   # the server is back
        assert loop.stats.idling.wait(DEADLINE)
        dovecot.append(user, message("server-back"))
        assert drainer.wait_for("server-back", DEADLINE)
    finally:
        finish(stop, thread, result)
        proxy.close()


def test_polls_when_the_server_offers_no_idle(dovecot, user):
    from benchmarks.imapproxy import ImapProxy
    proxy = ImapProxy(dovecot.host, dovecot.port, hide_idle=True)
    settings = Settings(sync_interval=0.3, idle_refresh=1200)
    loop, drainer, stop, thread, result = start_loop(
        dovecot, user, port=proxy.port, settings=settings
    )
    try:
        dovecot.append(user, message("polled"))
        assert drainer.wait_for("polled", DEADLINE)
        assert loop.stats.wait_for(lambda s: s["polls"] >= 2, DEADLINE)
        assert loop.watcher.state == "no-idle"
        assert proxy.commands["IDLE"] == 0
    finally:
        finish(stop, thread, result)
        proxy.close()


def test_polls_when_push_is_disabled(dovecot, user, proxy):
    settings = Settings(push_enabled=False, sync_interval=0.3, idle_refresh=1200)
    loop, drainer, stop, thread, result = start_loop(
        dovecot, user, port=proxy.port, settings=settings
    )
    try:
        dovecot.append(user, message("polled-off"))
        assert drainer.wait_for("polled-off", DEADLINE)
        assert loop.stats.wait_for(lambda s: s["polls"] >= 2, DEADLINE)
        assert loop.watcher is None
        assert proxy.connections == 0, "no IDLE connection when push is off"
    finally:
        finish(stop, thread, result)


def test_max_seconds_ends_the_loop_and_its_connection(dovecot, user, proxy):
    drainer = Drainer(dovecot, user)
    open_mailbox, close_mailbox = open_mailbox_factory(proxy.port, user, USERS[user])
    loop = push.PushLoop(drainer, Settings(sync_interval=NEVER, idle_refresh=1200),
                         open_mailbox, close_mailbox, max_seconds=1.0)
    thread, result = run_in_thread(loop.run)
    thread.join(DEADLINE)
    assert not thread.is_alive()
    assert result["value"].snapshot()["idle_commands"] == 1
    loop.watcher.join(DEADLINE)
    assert loop.watcher.state == "stopped"
    assert proxy.wait_for_command("LOGOUT", 1, DEADLINE), "the IDLE connection is closed politely"


def test_mail_kept_for_a_retry_is_retried_after_sync_interval(dovecot, user):
    class Kept:
        kept = 1
        error = None

    class Clean:
        kept = 0
        error = None

    outcomes = [Kept(), Kept()]
    drainer = Drainer(dovecot, user)

    def cycle():
        drainer()
        return outcomes.pop(0) if outcomes else Clean()

    open_mailbox, close_mailbox = open_mailbox_factory(dovecot.port, user, USERS[user])
    stop = threading.Event()
    loop = push.PushLoop(cycle, Settings(sync_interval=0.2, idle_refresh=1200), open_mailbox,
                         close_mailbox, stop_event=stop, max_seconds=60)
    thread, result = run_in_thread(loop.run)
    try:
        # A "kept" outcome leads to a timed retry after sync-interval, even
        # while IDLE is up (the second one at the latest is followed by one)...
        assert loop.stats.wait_for(
            lambda s: s["polls"] >= 1 and s["idle_commands"] >= 1 and s["fetch_cycles"] >= 3
            and not outcomes, DEADLINE)   # the third cycle was the clean one
        polls = loop.stats.snapshot()["polls"]
        # ... and once a cycle is clean, only new mail starts one.
        dovecot.append(user, message("after-retries"))
        assert drainer.wait_for("after-retries", DEADLINE)
        snapshot = loop.stats.snapshot()
        assert snapshot["notifications"] >= 1
        assert snapshot["polls"] == polls, "no sync-interval polls while IDLE works"
    finally:
        finish(stop, thread, result)


def test_nothing_runs_when_fetching_is_disabled(dovecot, user):
    calls = []
    loop = push.PushLoop(lambda: calls.append(1), Settings(fetching_enabled=False),
                         lambda: pytest.fail("no connection when fetching is off"),
                         max_seconds=30)
    stats = loop.run()
    assert calls == [] and stats.snapshot()["connections"] == 0
