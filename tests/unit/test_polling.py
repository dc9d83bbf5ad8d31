"""The waiting script as the fetch driver on hosts without a job scheduler
(XL Release): a cycle when due, one per sync-interval however many tasks
wait, none before startup-delay, none when the host runs the job itself
(there the waiting script reads its task on the job's notices)."""
from __future__ import annotations

import runpy
import threading

import pytest

from remote_completion import polling, push, xlrpush
from remote_completion.settings import Settings
from tests.fetcher import samples as s
from tests.fetcher.samples import good_reply
from tests.jython import fetch_fakes as fakes
from tests.support.lanes import REPO


def store_started_at(millis):
    store = polling._PythonStore()
    store.started_millis = millis
    return store


def test_no_cycle_before_the_startup_delay():
    store = store_started_at(1_000_000)
    assert not polling.take_cycle_slot(30, 30, now_millis=1_000_000 + 29_999, store=store)
    assert polling.take_cycle_slot(30, 30, now_millis=1_000_000 + 30_000, store=store)


def test_one_cycle_per_sync_interval():
    store = store_started_at(0)
    t = 100_000
    assert polling.take_cycle_slot(30, 0, now_millis=t, store=store)
    assert not polling.take_cycle_slot(30, 0, now_millis=t + 29_999, store=store)
    assert polling.take_cycle_slot(30, 0, now_millis=t + 30_000, store=store)
    assert store.get(polling.LAST_CYCLE_KEY) == str(t + 30_000)


def test_a_foreign_value_in_the_slot_is_taken_over():
    store = store_started_at(0)
    store.compare_and_set(polling.LAST_CYCLE_KEY, None, "not-a-number")
    assert polling.take_cycle_slot(30, 0, now_millis=50_000, store=store)


def test_many_waiting_scripts_at_once_start_one_cycle():
    store = store_started_at(0)
    barrier = threading.Barrier(16)
    won = []

    def contender():
        barrier.wait()
        won.append(polling.take_cycle_slot(30, 0, now_millis=60_000, store=store))

    threads = [threading.Thread(target=contender) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert won.count(True) == 1


def WaitingTask(task_id):
    return fakes.WaitingTask(task_id, "Waiting for a reply by email from Alice Smith")


@pytest.fixture
def server_home(tmp_path, monkeypatch):
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "xl-release.conf").write_text(
        # Polling (the fallback); push on XL Release is tests/unit/test_xlrpush.py.
        "xl.remote-completion { startup-delay = 0 seconds, sync-interval = 7 seconds,"
        " push-enabled = false }\n")
    monkeypatch.setenv("XL_RELEASE_SERVER_HOME", str(tmp_path))
    monkeypatch.setattr(polling, "_store", [store_started_at(0)])
    return tmp_path


def run_waiting_script(host, task, run=s.RUN, **extra):
    """WaitForReply.py as the host runs it; returns the SystemExit code, or
    None when the script returned normally."""
    bundle = fakes.bundle(host.world)
    variables = dict(task=task, requestRecipients=s.ALICE, requestRun=run,
                     taskApi=bundle.taskApi, releaseApi=bundle.releaseApi,
                     configurationApi=bundle.configurationApi, userApi=bundle.userApi,
                     rolesApi=bundle.rolesApi, Comment=bundle.Comment)
    variables.update(extra)
    variables = dict((k, v) for k, v in variables.items() if v is not None)
    try:
        runpy.run_path(str(REPO / "ext" / "remoteCompletion" / "WaitForReply.py"),
                       init_globals=variables, run_name="__builtin__")
    except SystemExit as exit_:
        return exit_.code
    return None


@pytest.mark.dovecot
def test_the_waiting_script_fetches_and_completes_its_own_task(make_host, server_home, capsys):
    host = make_host()
    host.deliver(good_reply())
    task = WaitingTask(s.TASK_ID)
    assert run_waiting_script(host, task) is None    # returned normally: the task completes
    assert task.scheduled == []                       # answered: nothing left to wait for
    assert host.count() == 0
    assert host.world.actions == [(s.TASK_ID, "COMPLETE")]
    assert "Completed by email by Alice Smith" in capsys.readouterr().out


@pytest.mark.dovecot
def test_a_fail_verdict_ends_the_script_with_status_1(make_host, server_home, capsys):
    host = make_host()
    host.deliver(good_reply("FAIL", comment="Smoke tests red."))
    task = WaitingTask(s.TASK_ID)
    assert run_waiting_script(host, task) == 1
    assert task.scheduled == []
    out = capsys.readouterr().out
    assert "Failed by email by Alice Smith" in out and "the task fails" in out


@pytest.mark.dovecot
def test_a_reply_for_another_task_is_handed_to_that_tasks_script(make_host, server_home):
    host = make_host()
    other = s.TASK_ID + "0"
    host.world.add_task(other, owner="alice")
    host.deliver(good_reply(task_id=other))
    mine = WaitingTask(s.TASK_ID)
    assert run_waiting_script(host, mine) is None
    # Not for me: still waiting.
    assert mine.scheduled == [("remoteCompletion/WaitForReply.py", 7)]
    assert host.count() == 0 and host.world.actions == [(other, "COMPLETE")]
    theirs = WaitingTask(other)
    # The next run of the other task's script: no cycle is due, the verdict is there.
    assert run_waiting_script(host, theirs) is None and theirs.scheduled == []


@pytest.mark.dovecot
def test_a_verdict_for_an_earlier_run_never_ends_a_retried_task(make_host, server_home):
    host = make_host()
    host.deliver(good_reply("FAIL"))
    first = WaitingTask(s.TASK_ID)
    assert run_waiting_script(host, first) == 1          # run 1 failed by its reply
    host.world.retry(s.TASK_ID, "5555666677778888")      # retried: run 2, same old verdict on it
    host.deliver(good_reply("COMPLETE"))                  # a late reply to run 1's mail
    second = WaitingTask(s.TASK_ID)
    polling._store[0] = store_started_at(0)               # a cycle is due again
    assert run_waiting_script(host, second, run="5555666677778888") is None
    assert second.scheduled == [("remoteCompletion/WaitForReply.py", 7)]
    assert host.count() == 0 and host.world.actions == [(s.TASK_ID, "FAIL")]


@pytest.mark.dovecot
def test_the_waiting_script_copes_without_release_and_comment(make_host, server_home):
    host = make_host()
    host.deliver(good_reply())
    task = WaitingTask(s.TASK_ID)
    # No `Comment` variable: on CPython the Java class cannot be imported,
    # so the comment text itself is passed (the fake takes both).
    assert run_waiting_script(host, task, Comment=None, getCurrentTask=lambda: task) is None
    assert host.world.actions == [(s.TASK_ID, "COMPLETE")] and task.scheduled == []


@pytest.mark.dovecot
def test_the_waiting_script_reschedules_at_sync_interval_while_unanswered(make_host, server_home):
    host = make_host()
    host.deliver(b"From: someone@example.com\r\nSubject: hello\r\n\r\nnot a reply\r\n")
    task = WaitingTask(s.TASK_ID)
    run_waiting_script(host, task)
    assert host.count() == 0  # the cycle ran: the junk mail was judged and removed
    assert host.status() == "IN_PROGRESS"
    assert task.scheduled == [("remoteCompletion/WaitForReply.py", 7)]


@pytest.mark.dovecot
def test_no_fetch_from_the_waiting_script_when_the_host_runs_the_job(make_host, server_home,
                                                                     monkeypatch):
    monkeypatch.setattr(xlrpush.random, "random", no_chance)
    host = make_host()
    host.deliver(good_reply())
    task = WaitingTask(s.TASK_ID)
    run_waiting_script(host, task, hostRunsScheduledJobs=True)
    assert host.status() == "IN_PROGRESS" and host.count() == 1
    # wait-interval (2 s by default), not sync-interval (7 s here): it reads on notices.
    assert task.scheduled == [("remoteCompletion/WaitForReply.py", 2)]


# --- a host that runs the job (a push host): notices, as on the XL Release path ------------

def no_chance():
    return 0.99   # the read "about once per sync-interval" by chance does not fire


@pytest.fixture(params=["push-enabled = true", "push-enabled = false"])
def jobs_home(request, tmp_path, monkeypatch):
    """A push host's settings (the job fetches; with push off it polls), and
    a fresh JVM-wide store shared by the job and the waiting scripts."""
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "xl-release.conf").write_text(
        "xl.remote-completion { startup-delay = 0 seconds, sync-interval = 30 seconds,"
        " wait-interval = 2 seconds, %s }\n" % request.param)
    monkeypatch.setenv("XL_RELEASE_SERVER_HOME", str(tmp_path))
    store = store_started_at(0)
    monkeypatch.setattr(polling, "_store", [store])
    return store


class CountingApi:
    """An API that records every call and answers none."""

    def __init__(self, calls):
        self._calls = calls

    def __getattr__(self, name):
        def call(*args, **kwargs):
            self._calls.append(name)
            raise AssertionError("API called: %s" % name)
        return call


def test_on_a_push_host_a_waiting_run_without_a_notice_makes_no_api_call(jobs_home):
    calls = []
    apis = polling.host.Apis(*[CountingApi(calls) for _ in range(5)], Comment=object(),
                             folderApi=CountingApi(calls))
    task = WaitingTask(s.TASK_ID)
    outcome = polling.wait_for_reply(task, apis, s.RUN, s.ALICE, host_runs_jobs=True,
                                     rand=no_chance)
    assert outcome.waiting and outcome.verdict is None and outcome.summary is None
    assert calls == []
    assert task.scheduled == [("remoteCompletion/WaitForReply.py", 2)]   # wait-interval


@pytest.mark.dovecot
def test_on_a_push_host_the_jobs_verdict_leaves_a_notice_and_the_next_run_ends_the_task(
        make_host, jobs_home):
    host = make_host()
    host.deliver(good_reply())
    # The job's one call as a polling job (a push session would hold IDLE):
    # its fetch cycle records the verdict and leaves a notice for the task.
    push.run_job(*fakes.apis(host.world), settings=Settings(push_enabled=False))
    assert host.world.actions == [(s.TASK_ID, "COMPLETE")] and host.count() == 0
    assert jobs_home.get(xlrpush.notice_key(s.TASK_ID)) is not None
    before = len(host.world.calls)
    task = WaitingTask(s.TASK_ID)
    outcome = polling.wait_for_reply(task, fakes.bundle(host.world), s.RUN, s.ALICE,
                                     host_runs_jobs=True, rand=no_chance)
    assert "getTask" in host.world.calls[before:]   # the notice made it read its task
    assert outcome.verdict.action == "COMPLETE" and task.scheduled == []
    assert outcome.summary is None               # and it fetched nothing itself
    assert jobs_home.get(xlrpush.notice_key(s.TASK_ID)) is None    # taken


@pytest.mark.dovecot
def test_on_a_push_host_a_verdict_without_a_notice_is_read_by_chance(make_host, jobs_home):
    host = make_host()
    host.deliver(good_reply())
    host.run()   # a verdict this JVM's job did not write (another node): no notice
    assert jobs_home.get(xlrpush.notice_key(s.TASK_ID)) is None
    task = WaitingTask(s.TASK_ID)
    bundle = fakes.bundle(host.world)
    waiting = polling.wait_for_reply(task, bundle, s.RUN, s.ALICE, host_runs_jobs=True,
                                     rand=no_chance)
    assert waiting.waiting and task.scheduled == [("remoteCompletion/WaitForReply.py", 2)]
    # wait-interval / sync-interval = 1/15: a draw under it reads the task.
    read = polling.wait_for_reply(WaitingTask(s.TASK_ID), bundle, s.RUN, s.ALICE,
                                  host_runs_jobs=True, rand=lambda: 0.06)
    assert read.verdict.action == "COMPLETE"


@pytest.mark.dovecot
def test_fetching_disabled_is_honoured_by_the_waiting_script(make_host, server_home):
    (server_home / "conf" / "xl-release.conf").write_text(
        "xl.remote-completion { startup-delay = 0 seconds, fetching-enabled = false }\n")
    host = make_host()
    host.deliver(good_reply())
    task = WaitingTask(s.TASK_ID)
    run_waiting_script(host, task)
    assert host.status() == "IN_PROGRESS" and host.count() == 1
    assert task.scheduled == [("remoteCompletion/WaitForReply.py", 30)]


class CountingConfigurations:
    """host.find_imap_config's API: one configuration, its searches counted."""

    def __init__(self, fail=False):
        self.searches = 0
        self.fail = fail

    def searchByTypeAndTitle(self, ci_type, title):
        self.searches += 1
        if self.fail:
            raise RuntimeError("the server is down")
        if ci_type != fakes.IMAP_TYPE:
            return []
        return [fakes.imap_ci("imap.example.com", 993, "replies", "pw", s.SECRET,
                              "xlr@example.com")]


def test_a_mailbox_configuration_is_read_once_per_ttl_per_release(monkeypatch):
    api = CountingConfigurations()
    now = [1000.0]
    clock = lambda: now[0]   # noqa: E731
    first = polling.mailbox_config(api, "Applications/Release1", clock)
    assert polling.mailbox_config(api, "Applications/Release1", clock) is first
    assert api.searches == 1
    polling.mailbox_config(api, "Applications/Release2", clock)      # its own entry
    assert api.searches == 2
    now[0] += polling.CONFIG_TTL                                       # expired: read again
    assert polling.mailbox_config(api, "Applications/Release1", clock) is not first
    assert api.searches == 3


def test_a_failed_configuration_read_is_not_remembered():
    api = CountingConfigurations(fail=True)
    for _ in range(2):
        with pytest.raises(RuntimeError):
            polling.mailbox_config(api, None, lambda: 0.0)
    assert api.searches == 2 and None not in polling._configs


def test_the_remembered_configurations_are_bounded(monkeypatch):
    monkeypatch.setattr(polling, "MAX_CONFIGS", 3)
    api = CountingConfigurations()
    for n in range(7):
        polling.mailbox_config(api, "Applications/Release%d" % n, lambda: 0.0)
    assert len(polling._configs) <= 3
