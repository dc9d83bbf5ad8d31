"""The waiting script as the fetch driver on hosts without a job scheduler
(XL Release): a cycle when due, one per sync-interval however many tasks
wait, none before startup-delay, none when the host runs the job itself."""
from __future__ import annotations

import runpy
import threading

import pytest

from remote_completion import polling
from tests.fetcher import samples as s
from tests.fetcher.test_fetch_dovecot import good_reply
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


class WaitingTask:
    def __init__(self, task_id):
        self.id = task_id
        self.statusLine = "Waiting for a reply by email from Alice Smith"
        self.scheduled = []

    def setStatusLine(self, text):
        self.statusLine = text

    def schedule(self, script, seconds=5):
        self.scheduled.append((script, seconds))


@pytest.fixture
def server_home(tmp_path, monkeypatch):
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "xl-release.conf").write_text(
        "xl.remote-completion { startup-delay = 0 seconds, sync-interval = 7 seconds }\n")
    monkeypatch.setenv("XL_RELEASE_SERVER_HOME", str(tmp_path))
    monkeypatch.setattr(polling, "_store", [store_started_at(0)])
    return tmp_path


def run_waiting_script(host, task, **extra):
    task_api, release_api, configuration_api, user_api, roles_api, comment = fakes.apis(host.world)
    variables = dict(task=task, requestRecipients=s.ALICE, taskApi=task_api, releaseApi=release_api,
                     configurationApi=configuration_api, userApi=user_api, rolesApi=roles_api,
                     Comment=comment, **extra)
    runpy.run_path(str(REPO / "ext" / "remoteCompletion" / "WaitForReply.py"), init_globals=variables,
                   run_name="__builtin__")


@pytest.mark.dovecot
def test_the_waiting_script_fetches_and_stops_waiting_once_answered(make_host, server_home):
    host = make_host()
    host.deliver(good_reply())
    task = WaitingTask(s.TASK_ID)
    run_waiting_script(host, task)
    assert host.status() == "COMPLETED"
    assert host.count() == 0
    assert task.scheduled == []  # answered: nothing left to wait for


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
def test_no_fetch_from_the_waiting_script_when_the_host_runs_the_job(make_host, server_home):
    host = make_host()
    host.deliver(good_reply())
    task = WaitingTask(s.TASK_ID)
    run_waiting_script(host, task, hostRunsScheduledJobs=True)
    assert host.status() == "IN_PROGRESS" and host.count() == 1
    assert task.scheduled == [("remoteCompletion/WaitForReply.py", 7)]


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
