"""Pure parts of push: backoff bounds, the stop condition, the job's
notices.  (The IDLE exchange itself is imap.py's: tests/unit/test_imap.py.)"""
from __future__ import annotations

import threading

from remote_completion import push


def test_backoff_grows_to_its_cap_and_resets():
    top = push.Backoff(initial=1.0, cap=8.0, rand=lambda: 1.0)
    assert [top.next_delay() for _ in range(6)] == [1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    top.reset()
    assert top.next_delay() == 1.0
    bottom = push.Backoff(initial=1.0, cap=8.0, rand=lambda: 0.0)
    assert [bottom.next_delay() for _ in range(5)] == [0.5, 1.0, 2.0, 4.0, 4.0]


def test_backoff_jitter_stays_within_half_and_whole_delay():
    import random
    rng = random.Random(7)
    backoff = push.Backoff(initial=0.5, cap=30.0, rand=rng.random)
    for attempt in range(40):
        ceiling = min(30.0, 0.5 * 2 ** attempt)
        delay = backoff.next_delay()
        assert ceiling / 2 <= delay <= ceiling


def test_stop_by_event_and_by_deadline():
    now = [100.0]
    event = threading.Event()
    stop = push.Stop(event, max_seconds=5, clock=lambda: now[0])
    assert not stop.is_set()
    assert stop.remaining() == 5
    now[0] = 105.0
    assert stop.is_set()
    stop = push.Stop(event)
    assert not stop.is_set() and stop.remaining() is None
    event.set()
    assert stop.is_set()


def test_stop_wait_returns_early_on_wake():
    wake = threading.Event()
    wake.set()
    assert push.Stop().wait(60, wake) is True


def test_the_jobs_fetch_cycles_leave_a_notice_per_comment(monkeypatch):
    """Both of the job's paths (a push session's cycles, and the one cycle
    with push off) write comments through ``job_apis``: a notice per task
    commented in the store the waiting scripts read (polling._slot_store)."""
    from remote_completion import fetch, jvmstate, polling, xlrpush
    from remote_completion.settings import Settings
    store = jvmstate.PythonStore()
    monkeypatch.setattr(polling, "_store", [store])
    commented = []

    class TaskApi:
        def commentTask(self, task_id, comment):
            commented.append(task_id)

    def cycle(apis, settings=None):
        apis.taskApi.commentTask("Applications/Folder1/Release1/Phase1/Task%d"
                                 % len(commented), "verdict")
    monkeypatch.setattr(fetch, "run_fetch_cycle", cycle)
    apis = (TaskApi(), None, None, None, None, object())
    push._default_fetch(apis, Settings())()          # a push session's cycle
    push.run_job(*apis, settings=Settings(push_enabled=False))   # push off: one cycle
    assert len(commented) == 2
    for task_id in ("Release1/Phase1/Task0", "Release1/Phase1/Task1"):
        assert xlrpush.should_read(store, task_id, Settings(), rand=lambda: 0.99)
        assert not xlrpush.take_notice(store, task_id)   # taken by that read
