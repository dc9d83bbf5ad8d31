"""push.run with the real fetch cycle, host adapter and IMAP client, over
implicit TLS with certificate checks: a signed reply completes its task
through IDLE (its verdict leaves a notice for the task's waiting script),
and mail already waiting is drained first."""
from __future__ import annotations

import threading

import pytest

from benchmarks import mailgen
from benchmarks.fakehost import Host, ImapCi
from remote_completion import jvmstate, polling, push, xlrpush
from remote_completion.settings import Settings

from .conftest import USERS, run_in_thread

pytestmark = pytest.mark.dovecot

SECRET = "perf-push-secret-0123456789"
ADDRESS = "xlr@perf.example"
DEADLINE = 20.0


def make_host(dovecot, user):
    return Host(ImapCi(host="127.0.0.1", port=dovecot.tls_port, tlsMode="implicit", username=user,
                       password=USERS[user], fromAddress=ADDRESS, secret=SECRET,
                       trustedCertificates=dovecot.tls.ca_pem.read_text(),
                       enableWhitelisting=False))


def start_job(host, idle_refresh):
    """push.run_job started on a job thread (the sandbox's stand-in for a
    Java one), polls an hour apart: (thread, stats)."""
    from sandbox.server import JobThread
    stats = push.PushStats()
    thread = JobThread(target=push.run_job, args=host.apis,
                       kwargs=dict(settings=Settings(sync_interval=3600,
                                                     idle_refresh=idle_refresh), stats=stats))
    thread.start()
    return thread, stats


def interrupt(thread):
    """The host interrupts the job thread: run_job must end."""
    thread.interrupt()
    thread.join(DEADLINE)
    assert not thread.is_alive(), "run_job ignored the interruption"


def reply_for(host, number):
    person = "person%d" % number
    host.add_user(person, "%s@perf.example" % person)
    task = host.add_task(number, person)
    return task, mailgen.reply(SECRET, task, "%s@perf.example" % person, ADDRESS)


def test_a_reply_completes_its_task_through_idle(dovecot, user, monkeypatch):
    store = jvmstate.PythonStore()   # the JVM-wide store the waiting scripts read
    monkeypatch.setattr(polling, "_store", [store])
    host = make_host(dovecot, user)
    waiting, waiting_mail = reply_for(host, 1)
    dovecot.append(user, waiting_mail)          # there before the loop starts
    stats = push.PushStats()
    stop = threading.Event()
    settings = Settings(sync_interval=3600, idle_refresh=1200)
    thread, result = run_in_thread(push.run, *host.apis, settings=settings, stop_event=stop,
                                   stats=stats)
    try:
        assert host.events[waiting.id].wait(DEADLINE), "the backlog was not drained"
        # IDLE is up and the cycle it triggers is done: only a notification
        # can start the next cycle (sync-interval and idle-refresh are long).
        assert stats.wait_for(
            lambda s: s["idle_commands"] >= 1 and s["fetch_cycles"] >= 2, DEADLINE
        )
        task, mail = reply_for(host, 2)
        dovecot.append(user, mail)
        assert host.events[task.id].wait(DEADLINE), "the pushed reply was not handled"
        # The verdict is on the task (its waiting script ends it next run).
        assert "`xlr-remote-completion verdict=COMPLETE" in host.comments[task.id][0]
        assert "by email" in host.comments[task.id][0]
        # Each verdict left a notice: the task's waiting script reads on it.
        assert xlrpush.take_notice(store, waiting.id) and xlrpush.take_notice(store, task.id)
        snapshot = stats.snapshot()
        assert snapshot["polls"] == 0 and snapshot["notifications"] >= 1
        assert dovecot.count(user) == 0
    finally:
        stop.set()
        thread.join(DEADLINE)
    assert not thread.is_alive()
    assert "error" not in result, result.get("error")


def test_run_ends_by_itself_after_max_seconds(dovecot, user):
    host = make_host(dovecot, user)
    stats = push.run(*host.apis, settings=Settings(sync_interval=3600, idle_refresh=1200),
                     max_seconds=1.0)
    assert stats.snapshot()["fetch_cycles"] >= 1


def test_run_job_ends_when_the_host_interrupts_its_job_thread(dovecot, user):
    from benchmarks.imapproxy import ImapProxy
    proxy = ImapProxy(dovecot.host, dovecot.tls_port)
    host = make_host(dovecot, user)
    host.imap_ci._props["port"] = proxy.port
    try:
        thread, stats = start_job(host, idle_refresh=1200)
        assert stats.idling.wait(DEADLINE)
        interrupt(thread)
        assert not stats.idling.is_set()
        assert proxy.connections >= 2          # the IDLE connection and the cycles'
    finally:
        proxy.close()


def test_run_job_without_push_is_one_fetch_cycle(dovecot, user):
    host = make_host(dovecot, user)
    task, mail = reply_for(host, 7)
    dovecot.append(user, mail)
    summary = push.run_job(*host.apis, settings=Settings(push_enabled=False))
    assert summary.acted == 1 and host.events[task.id].is_set()


def test_run_job_starts_the_next_session_at_once(dovecot, user):
    """Sessions end every idle-refresh; the next follows without waiting
    sync-interval (an hour here), so a reply after a session end is handled."""
    host = make_host(dovecot, user)
    thread, stats = start_job(host, idle_refresh=1.0)
    try:
        # A new IDLE connection per session: three of them means two session
        # ends were each followed at once by the next.
        assert stats.wait_for(lambda s: s["connections"] >= 3, DEADLINE), stats.snapshot()
        task, mail = reply_for(host, 8)
        dovecot.append(user, mail)
        assert host.events[task.id].wait(DEADLINE), "the reply after a session end waited"
        assert stats.snapshot()["polls"] == 0
        assert stats.snapshot()["connection_failures"] == 0
    finally:
        interrupt(thread)
