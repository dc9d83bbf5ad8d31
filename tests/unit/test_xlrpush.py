"""Push on XL Release (issue 15): the waiting run that takes the JVM-wide
slot holds one IMAP IDLE session on its own thread, runs a fetch cycle per
wake-up, leaves a notice per task commented; other runs read their task
only on a notice; the slot goes to the next run when the session ends."""
from __future__ import annotations

import threading

import pytest

from remote_completion import imap, polling, xlrpush
from remote_completion.settings import Settings
from tests.fetcher import samples as s
from tests.fetcher.samples import good_reply
from tests.jython import fetch_fakes as fakes
from tests.unit.test_polling import (WaitingTask, no_chance, run_waiting_script,
                                     store_started_at)

WAIT = ("remoteCompletion/WaitForReply.py", 2)


@pytest.fixture
def push_home(tmp_path, monkeypatch):
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "xl-release.conf").write_text(
        "xl.remote-completion { startup-delay = 0 seconds, sync-interval = 30 seconds,"
        " wait-interval = 2 seconds, xlr-push-session = 60 seconds,"
        " network-timeout = 10 seconds }\n")
    monkeypatch.setenv("XL_RELEASE_SERVER_HOME", str(tmp_path))
    store = store_started_at(0)
    monkeypatch.setattr(polling, "_store", [store])
    return store


class VirtualClock:
    """The session's clock: stands still until the test moves it."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def idle_entered(monkeypatch, imap_module=imap):
    """An event set each time a session enters IDLE (a real IDLE on Dovecot)
    through ``imap_module``'s ImapClient (the sandbox loads its own copy)."""
    entered = threading.Event()
    real_idle = imap_module.ImapClient.idle

    def idle(self, *args, **kwargs):
        session = real_idle(self, *args, **kwargs)
        entered.set()
        return session
    monkeypatch.setattr(imap_module.ImapClient, "idle", idle)
    return entered


@pytest.fixture
def idling(monkeypatch):
    return idle_entered(monkeypatch)


@pytest.mark.dovecot
def test_a_reply_arriving_during_the_session_is_recorded_then_ends_its_task(
        make_host, push_home, idling, monkeypatch):
    host = make_host()
    commented = threading.Event()
    real_comment = fakes.TaskApi.commentTask

    def comment(self, task_id, text):
        result = real_comment(self, task_id, text)
        commented.set()
        return result
    monkeypatch.setattr(fakes.TaskApi, "commentTask", comment)
    other = s.TASK_ID + "0"
    host.world.add_task(other, owner="alice")
    clock = VirtualClock()
    holder = WaitingTask(s.TASK_ID)
    result = {}

    def hold():
        result["code"] = run_waiting_script(host, holder)

    # The holder's session runs on a thread the TEST starts (the host's script
    # thread); the plugin itself starts none.
    polling_wait = polling.wait_for_reply
    thread = threading.Thread(target=hold)
    try:
        polling.wait_for_reply = lambda *a, **k: polling_wait(*a, clock=clock, **k)
        thread.start()
        assert idling.wait(30), "the waiting run never entered IDLE"
        assert push_home.get(xlrpush.PUSH_SLOT_KEY) not in (None, "0")   # held
        host.deliver(good_reply(task_id=other))
        # The IDLE wake-up runs a fetch cycle: the verdict is on the other task.
        assert commented.wait(30), "no verdict recorded"
        assert host.world.actions == [(other, "COMPLETE")]
        assert thread.is_alive()                      # still in its session
        clock.now += 61                               # the session's time is up
        thread.join(30)
        assert not thread.is_alive()
    finally:
        polling.wait_for_reply = polling_wait
    assert result["code"] is None and holder.scheduled == [WAIT]   # holder keeps waiting
    assert push_home.get(xlrpush.PUSH_SLOT_KEY) == "0"             # slot given back
    assert host.count() == 0
    # The other task's own next run: its notice says read, and it completes.
    theirs = WaitingTask(other)
    push_home.put(xlrpush.PUSH_SLOT_KEY, "9" * 15)   # another run holds the slot now
    assert run_waiting_script(host, theirs) is None and theirs.scheduled == []
    assert push_home.get(xlrpush.notice_key(other)) is None


@pytest.mark.dovecot
def test_every_wake_up_is_drained_on_the_idle_connection_and_mail_told_meanwhile_too(
        make_host, push_home, idling, monkeypatch):
    """One connection for the whole session: DONE, the drain, IDLE again.  A
    reply that arrives while a drain runs, after its listing (told by an
    EXISTS in a later answer, which no IDLE repeats), is drained at once."""
    host = make_host()
    tasks = [s.TASK_ID + str(n) for n in range(3)]
    for task_id in tasks:
        host.world.add_task(task_id, owner="alice")
    connects = []
    real_connect = imap.ImapClient.connect

    def connect(self):
        connects.append(1)
        return real_connect(self)
    monkeypatch.setattr(imap.ImapClient, "connect", connect)
    commented = {}
    real_comment = fakes.TaskApi.commentTask

    def comment(self, task_id, text):
        result = real_comment(self, task_id, text)
        commented.setdefault(task_id, threading.Event()).set()
        if task_id == tasks[1]:
            # The second reply's verdict is in, its drain not done yet: the
            # third arrives now, after that drain's listing.
            host.deliver(good_reply(task_id=tasks[2]))
        return result
    monkeypatch.setattr(fakes.TaskApi, "commentTask", comment)
    for task_id in tasks:
        commented[task_id] = threading.Event()
    clock = VirtualClock()
    holder = WaitingTask(s.TASK_ID)
    polling_wait = polling.wait_for_reply
    thread = threading.Thread(target=lambda: run_waiting_script(host, holder))
    try:
        polling.wait_for_reply = lambda *a, **k: polling_wait(*a, clock=clock, **k)
        thread.start()
        assert idling.wait(30), "the waiting run never entered IDLE"
        host.deliver(good_reply(task_id=tasks[0]))
        assert commented[tasks[0]].wait(30), "no verdict on the first reply"
        host.deliver(good_reply(task_id=tasks[1]))
        assert commented[tasks[1]].wait(30), "no verdict on the second reply"
        assert commented[tasks[2]].wait(30), "the reply told during a drain was left"
        clock.now += 61
        thread.join(30)
        assert not thread.is_alive()
    finally:
        polling.wait_for_reply = polling_wait
    assert sorted(host.world.actions) == sorted((t, "COMPLETE") for t in tasks)
    assert connects == [1] and host.count() == 0


def test_mail_told_after_a_drains_listing_is_drained_before_waiting_in_idle():
    """Stand-ins: the server told of new mail during the first drain (after
    its listing) and again as IDLE began; neither waits for an IDLE event."""
    cycles, told, events = [], [True, False, True, False, False], []

    clock = VirtualClock()

    class Idle:
        def next_event(self, until, should_stop=None):
            events.append("waited")
            clock.now += 61   # the session's time is up
            return None

        def done(self):
            events.append("done")

    class Mailbox:
        capabilities = ("IMAP4REV1", "IDLE")

        def idle(self, network_timeout=None, clock=None):
            events.append("idle")
            return Idle()

        def told_unlisted(self):
            return told.pop(0)

    class Fetch:
        @staticmethod
        def run_fetch_cycle(apis, settings=None, mailbox=None):
            assert isinstance(mailbox, Mailbox)
            cycles.append(1)
            events.append("cycle")

    conf = Settings(xlr_push_session=60, network_timeout=10, idle_refresh=240)
    real_fetch = xlrpush.fetch
    xlrpush.fetch = Fetch
    try:
        session = xlrpush.Session(polling.host.Apis(None, None, None, None, None, object()),
                                  conf, lambda: None, clock=clock, open_mailbox=Mailbox)
        assert session.run() == "ended"
    finally:
        xlrpush.fetch = real_fetch
    assert events == ["cycle", "cycle", "idle", "done", "cycle", "idle", "waited", "done"]
    assert told == []


@pytest.mark.dovecot
def test_new_mail_told_after_a_complete_listing_is_unlisted_until_listed_again(mailbox):
    server, user, password = mailbox
    client = imap.ImapClient(server.host, server.port, imap.TLS_NONE, timeout=10)
    client.connect()
    try:
        client.login(user, password)
        server.append(user, s.plain("one"))
        client.select("INBOX")
        assert not client.told_unlisted()          # no listing yet: nothing to say
        assert [list(w) for w in client.uid_windows()] == [[1]]
        assert not client.told_unlisted()
        server.append(user, s.plain("two"))
        client.noop()                              # the answer tells of it (EXISTS)
        assert client.told_unlisted()
        assert [list(w) for w in client.uid_windows()] == [[1, 2]]
        assert not client.told_unlisted()
    finally:
        client.logout()


@pytest.mark.dovecot
def test_the_holders_own_reply_ends_its_session_and_its_task(make_host, push_home):
    host = make_host()
    host.deliver(good_reply())
    task = WaitingTask(s.TASK_ID)
    # The drain at the session's start finds the holder's own reply: the run
    # ends the task at once, the slot is free for the next run.
    assert run_waiting_script(host, task) is None and task.scheduled == []
    assert host.world.actions == [(s.TASK_ID, "COMPLETE")]
    assert push_home.get(xlrpush.PUSH_SLOT_KEY) == "0"


def test_without_a_notice_a_waiting_run_makes_no_api_call(push_home, monkeypatch):
    push_home.put(xlrpush.PUSH_SLOT_KEY, "9" * 15)   # another run holds the mailbox
    monkeypatch.setattr(xlrpush.random, "random", no_chance)

    called = []

    class NoApi:
        # Recorded, not raised: the waiting script catches what an API raises.
        def __getattr__(self, name):
            called.append(name)
            raise AttributeError(name)
    task = WaitingTask(s.TASK_ID)
    outcome = polling.wait_for_reply(task, polling.host.Apis(NoApi(), NoApi(), NoApi(),
                                                             NoApi(), NoApi(), object()),
                                     s.RUN, s.ALICE)
    assert outcome.waiting and task.scheduled == [WAIT]
    assert called == []


def test_slot_hand_over_between_runs():
    store = store_started_at(0)
    conf = Settings(startup_delay=0, xlr_push_session=60, network_timeout=10)
    first = xlrpush.take_slot(conf, 100_000, store)
    assert first == str(100_000 + 70_000)
    assert xlrpush.take_slot(conf, 100_001, store) is None         # one holder at a time
    xlrpush.release_slot(store, first)
    assert xlrpush.take_slot(conf, 100_002, store) is not None     # the next takes it at once
    # A holder that died: its slot frees itself after the session + timeout.
    assert xlrpush.take_slot(conf, 100_002 + 69_999, store) is None
    assert xlrpush.take_slot(conf, 100_002 + 70_000, store) is not None


def test_no_slot_before_the_startup_delay():
    store = store_started_at(1_000_000)
    conf = Settings(startup_delay=30)
    assert xlrpush.take_slot(conf, 1_000_000 + 29_999, store) is None
    assert xlrpush.take_slot(conf, 1_000_000 + 30_000, store) is not None


def test_notices_meet_whatever_form_of_the_task_id():
    store = store_started_at(0)
    noting = xlrpush.NotingTaskApi(type("T", (), {"commentTask": lambda self, i, c: None})(),
                                   store)
    noting.commentTask("Release1/Phase2/Task3", "text")
    assert xlrpush.take_notice(store, "Applications/Folder9/Release1/Phase2/Task3")
    assert not xlrpush.take_notice(store, "Applications/Folder9/Release1/Phase2/Task3")


@pytest.mark.dovecot
def test_without_idle_the_holder_polls_once_per_sync_interval(make_host, push_home,
                                                                monkeypatch):
    host = make_host()
    other = s.TASK_ID + "0"
    host.world.add_task(other, owner="alice")
    host.deliver(good_reply(task_id=other))
    # A server that does not offer IDLE: one fetch cycle, the slot kept.
    monkeypatch.setattr(xlrpush.imap, "offers_idle", lambda caps: False)
    mine = WaitingTask(s.TASK_ID)
    assert run_waiting_script(host, mine) is None and mine.scheduled == [WAIT]
    assert host.world.actions == [(other, "COMPLETE")] and host.count() == 0
    held = int(push_home.get(xlrpush.PUSH_SLOT_KEY))
    assert held > 30_000   # kept for sync-interval: no waiting run retries at once
    monkeypatch.setattr(xlrpush.random, "random", no_chance)
    again = WaitingTask(s.TASK_ID)
    assert run_waiting_script(host, again) is None and again.scheduled == [WAIT]
    assert int(push_home.get(xlrpush.PUSH_SLOT_KEY)) == held


@pytest.mark.dovecot
def test_push_disabled_is_plain_polling(make_host, push_home):
    conf = push_home  # noqa: F841 - the store; the file is rewritten below
    import os
    path = os.path.join(os.environ["XL_RELEASE_SERVER_HOME"], "conf", "xl-release.conf")
    with open(path, "w") as handle:
        handle.write("xl.remote-completion { startup-delay = 0 seconds,"
                     " sync-interval = 7 seconds, push-enabled = false }\n")
    host = make_host()
    host.deliver(good_reply())
    task = WaitingTask(s.TASK_ID)
    assert run_waiting_script(host, task) is None
    assert push_home.get(xlrpush.PUSH_SLOT_KEY) is None       # no session taken
    assert push_home.get(polling.LAST_CYCLE_KEY) is not None  # the polling slot was


# --- the quiet run: what almost every waiting run is ---------------------------------------

class NoMailHost:
    """The fakes' world with the task waiting and no mailbox behind it: what
    a run reads is its task (getTask) and its assignees (getUser)."""

    def __init__(self):
        self.world = fakes.World(fakes.imap_ci("127.0.0.1", 9, "u", "p", s.SECRET, s.MAILBOX))
        self.world.users = {"alice": ("Alice Smith", s.ALICE)}
        self.world.add_task(s.TASK_ID, owner="alice")


class Draws:
    """random.random for the chance read: the given draws, each counted."""

    def __init__(self, *values):
        self.values = list(values)
        self.taken = 0

    def __call__(self):
        self.taken += 1
        return self.values.pop(0)


def held_by_another(store):
    store.put(xlrpush.PUSH_SLOT_KEY, "9" * 15)


def test_a_quiet_run_only_schedules_the_task_again(push_home, monkeypatch):
    held_by_another(push_home)
    draws = Draws(0.99)
    monkeypatch.setattr(xlrpush.random, "random", draws)
    host, task = NoMailHost(), WaitingTask(s.TASK_ID)
    assert run_waiting_script(host, task) is None and task.scheduled == [WAIT]
    assert host.world.calls == [] and draws.taken == 1
    assert push_home.get(xlrpush.PUSH_SLOT_KEY) == "9" * 15   # the holder's, untouched


def test_a_notice_makes_the_run_read_its_task_and_is_taken(push_home, monkeypatch):
    held_by_another(push_home)
    monkeypatch.setattr(xlrpush.random, "random", Draws(0.99, 0.99))
    push_home.put(xlrpush.notice_key(s.TASK_ID), "1")
    host, task = NoMailHost(), WaitingTask(s.TASK_ID)
    assert run_waiting_script(host, task) is None and task.scheduled == [WAIT]
    assert "getTask" in host.world.calls
    assert push_home.get(xlrpush.notice_key(s.TASK_ID)) is None
    del host.world.calls[:]
    again = WaitingTask(s.TASK_ID)     # the notice was taken: the next run is quiet
    assert run_waiting_script(host, again) is None and host.world.calls == []


@pytest.mark.parametrize("draw, reads", [(2 / 30 - 1e-9, True), (2 / 30, False)])
def test_a_chance_read_uses_the_runs_one_draw(push_home, monkeypatch, draw, reads):
    held_by_another(push_home)
    draws = Draws(draw, 0.99)   # a second draw would say "no read"
    monkeypatch.setattr(xlrpush.random, "random", draws)
    host, task = NoMailHost(), WaitingTask(s.TASK_ID)
    assert run_waiting_script(host, task) is None and task.scheduled == [WAIT]
    assert ("getTask" in host.world.calls) is reads
    assert draws.taken == 1


@pytest.mark.parametrize("host_jobs", [False, True])
def test_a_verdict_read_by_chance_ends_the_task(push_home, monkeypatch, host_jobs):
    held_by_another(push_home)
    monkeypatch.setattr(xlrpush.random, "random", Draws(0.0))
    host = NoMailHost()
    note = polling.handover.verdict_comment("Completed by email by Alice Smith.", s.SECRET,
                                            "COMPLETE", s.TASK_ID, s.RUN, "0123456789abcdef")
    host.world.tasks[s.TASK_ID]["notes"].append(note)
    task = WaitingTask(s.TASK_ID)
    assert run_waiting_script(host, task, hostRunsScheduledJobs=host_jobs or None) is None
    assert task.scheduled == []   # returned without a schedule: the task completes


def test_on_a_push_host_a_quiet_run_needs_no_slot(push_home, monkeypatch):
    # The job watches the mailbox there: no slot is held, and none is taken.
    monkeypatch.setattr(xlrpush.random, "random", Draws(0.99))
    host, task = NoMailHost(), WaitingTask(s.TASK_ID)
    assert run_waiting_script(host, task, hostRunsScheduledJobs=True) is None
    assert task.scheduled == [WAIT] and host.world.calls == []
    assert push_home.get(xlrpush.PUSH_SLOT_KEY) is None


@pytest.mark.parametrize("held", ["0", "not-a-number"])
def test_a_free_or_foreign_slot_is_taken_by_the_run(push_home, monkeypatch, held):
    push_home.put(xlrpush.PUSH_SLOT_KEY, held)
    sessions = []

    def hold_if_free(apis, conf, own_verdict, store, now_millis=None, **kwargs):
        sessions.append(store.get(xlrpush.PUSH_SLOT_KEY))
    monkeypatch.setattr(xlrpush, "hold_if_free", hold_if_free)
    monkeypatch.setattr(xlrpush.random, "random", Draws(0.99))
    task = WaitingTask(s.TASK_ID)
    assert run_waiting_script(NoMailHost(), task) is None and task.scheduled == [WAIT]
    assert sessions == [held]


def test_a_slot_that_ran_out_is_seen_free_although_its_text_was_read_before(
        push_home, monkeypatch):
    sessions = []
    monkeypatch.setattr(xlrpush, "hold_if_free", lambda *a, **k: sessions.append(1))
    monkeypatch.setattr(xlrpush.random, "random", lambda: 0.99)
    host = NoMailHost()
    push_home.put(xlrpush.PUSH_SLOT_KEY, "9" * 15)
    run_waiting_script(host, WaitingTask(s.TASK_ID))
    assert sessions == []
    push_home.put(xlrpush.PUSH_SLOT_KEY, "1")   # held until 1 ms after the epoch: over
    run_waiting_script(host, WaitingTask(s.TASK_ID))
    assert sessions == [1]


def test_before_the_startup_delay_a_run_is_quiet_without_a_slot(push_home, monkeypatch):
    push_home.started_millis = 10 ** 15   # the JVM started just now, as far as it knows
    monkeypatch.setattr(xlrpush.random, "random", Draws(0.99))
    host, task = NoMailHost(), WaitingTask(s.TASK_ID)
    assert run_waiting_script(host, task) is None and task.scheduled == [WAIT]
    assert host.world.calls == [] and push_home.get(xlrpush.PUSH_SLOT_KEY) is None


def test_a_folder_mailboxs_cycle_run_by_a_chance_read_leaves_notices(push_home, monkeypatch):
    held_by_another(push_home)
    monkeypatch.setattr(xlrpush.random, "random", Draws(0.0))
    folder_box = type("Config", (), {"id": "Configuration/Custom/Folder1", "folder": "Folder1",
                                     "secret": s.SECRET})()
    monkeypatch.setattr(polling, "mailbox_config", lambda api, release_id: folder_box)
    other = "Applications/Folder0a1b/Release99/Phase1/Task2"

    def cycle(apis, settings=None, release_id=None):
        apis.taskApi.commentTask(other, "a verdict")   # the cycle records a verdict
    monkeypatch.setattr(polling.fetch, "run_fetch_cycle", cycle)
    host = NoMailHost()
    host.world.add_task(other, owner="alice")
    run_waiting_script(host, WaitingTask(s.TASK_ID))
    assert push_home.get(polling.cycle_key(folder_box)) is not None   # its slot was taken
    assert push_home.get(xlrpush.notice_key(other)) is not None


def test_settings_are_read_again_by_one_run_while_the_others_keep_the_old(push_home,
                                                                          monkeypatch):
    clock = VirtualClock()
    first = polling._settings(clock=clock)
    clock.now += polling.SETTINGS_TTL   # expired
    reads, seen_meanwhile = [], []
    real_load = polling.settings_module.load_or_defaults

    def load(report):
        reads.append(1)
        # Another script thread's run while this one reads the file.
        seen_meanwhile.append(polling._settings(clock=clock))
        return real_load(report)
    monkeypatch.setattr(polling.settings_module, "load_or_defaults", load)
    fresh = polling._settings(clock=clock)
    assert reads == [1] and seen_meanwhile == [first]
    assert polling._settings(clock=clock) is fresh
