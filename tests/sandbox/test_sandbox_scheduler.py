"""Clocks and the scheduled job of xl-rules.xml, timed by xl-release.conf."""
from __future__ import annotations

import threading

import pytest

from sandbox import RealClock, SandboxError, VirtualClock
from sandbox.conf import write_conf

from sandbox_helpers import JOB_HOOKS, fixture_lib, xlr_server


def test_virtual_clock_runs_due_work_in_order_including_work_scheduled_by_work():
    clock = VirtualClock()
    ran = []
    clock.call_later(2, lambda: ran.append(("b", clock.monotonic())))
    clock.call_later(
        1,
        lambda: (
            ran.append(("a", clock.monotonic())),
            clock.call_later(0.5, lambda: ran.append(("a+", clock.monotonic())))),
    )
    clock.call_later(2, lambda: ran.append(("c", clock.monotonic())))   # tie: scheduling order
    assert clock.advance(0.9) == 0 and ran == []
    assert clock.advance(1.1) == 4
    assert ran == [("a", 1.0), ("a+", 1.5), ("b", 2.0), ("c", 2.0)]
    assert clock.monotonic() == 2.0


def test_virtual_clock_cancel_and_dates():
    clock = VirtualClock()
    start = clock.now()
    handle = clock.call_later(1, lambda: pytest.fail("cancelled work ran"))
    handle.cancel()
    assert clock.advance(5) == 0
    assert (clock.now() - start).total_seconds() == 5


def test_virtual_clock_refuses_reentrant_advance():
    clock = VirtualClock()
    errors = []

    def nested():
        try:
            clock.advance(1)
        except RuntimeError as exc:
            errors.append(exc)

    clock.call_later(0, nested)
    clock.run_due()
    assert errors


def test_real_clock_runs_work_on_its_thread():
    clock = RealClock()
    done = threading.Event()
    seen = []
    try:
        clock.call_later(0.05, lambda: (seen.append(threading.current_thread().name), done.set()))
        assert done.wait(10)
        assert seen == ["sandbox-scheduler"]
    finally:
        clock.close()


def make_server(tmp_path, conf=None, **kw):
    """A server that runs xl-rules.xml's jobs: asked for explicitly (run_jobs)."""
    home = tmp_path / "home"
    if conf is not None:
        write_conf(home, conf)
    clock = VirtualClock()
    kw.setdefault("run_jobs", True)
    return xlr_server(home, clock, **kw), clock


def test_no_job_runs_unless_asked_and_the_log_says_why(tmp_path, caplog):
    # XL Release runs no xl-rules.xml job: by default neither does the sandbox.
    server, clock = make_server(tmp_path, "xl.fixture.startup-delay = 1 second", run_jobs=False)
    with caplog.at_level("INFO", logger="sandbox.server"), server:
        clock.advance(3600)
        assert server.job_runs == [] and server.jobs_due() == []
    assert "run_jobs=True" in caplog.text and "fixture.Job" in caplog.text


def test_asked_for_jobs_are_announced(tmp_path, caplog):
    server, clock = make_server(tmp_path, "xl.fixture.startup-delay = 1 second")
    with caplog.at_level("WARNING", logger="sandbox.server"), server:
        clock.advance(1)
        assert len(server.job_runs) == 1
    assert "as asked (run_jobs=True)" in caplog.text


def test_long_lived_jobs_need_run_jobs(tmp_path):
    with pytest.raises(SandboxError, match="run_jobs"):
        make_server(tmp_path, long_lived_jobs={"fixture.Job"}, run_jobs=False)


def job_runs():
    return [c for c in fixture_lib().CALLS if c[0] == "Job"]


def test_job_first_runs_after_startup_delay_then_after_each_interval(tmp_path):
    server, clock = make_server(
        tmp_path, "xl.fixture { startup-delay = 3 seconds\n sync-interval = 7 seconds }"
    )
    with server:
        clock.advance(2.9)
        assert server.job_runs == []
        clock.advance(0.1)
        assert len(server.job_runs) == 1 and len(job_runs()) == 1
        clock.advance(6.9)
        assert len(server.job_runs) == 1
        clock.advance(0.1)
        assert len(server.job_runs) == 2
        clock.advance(70)
        assert len(server.job_runs) == 12
        assert {r.outcome for r in server.job_runs} == {"completed"}


def test_job_uses_the_rules_defaults_without_conf(tmp_path):
    server, clock = make_server(tmp_path)
    with server:
        clock.advance(9.9)   # the fixture's xl-rules.xml: startup-delay 10 seconds
        assert server.job_runs == []
        clock.advance(0.1)
        assert len(server.job_runs) == 1
        clock.advance(30)    # interval 30 seconds
        assert len(server.job_runs) == 2


def test_disabled_job_never_runs(tmp_path):
    server, clock = make_server(tmp_path, "xl.fixture.fetching-enabled = false")
    with server:
        clock.advance(3600)
        assert server.job_runs == []
        assert server.jobs_due() == []


def test_failing_job_is_recorded_and_runs_again(tmp_path):
    server, clock = make_server(
        tmp_path, "xl.fixture { startup-delay = 1 second\n sync-interval = 1 second }"
    )
    with server:
        calls = []

        def hook(task_api, comment):
            calls.append(1)
            if len(calls) == 1:
                raise RuntimeError("IMAP server down")
        JOB_HOOKS.append(hook)
        clock.advance(1)
        clock.advance(1)
        assert [r.outcome for r in server.job_runs] == ["failed", "completed"]
        assert "IMAP server down" in server.job_runs[0].error


def test_job_gets_the_apis_and_acts_as_the_script_user(tmp_path):
    server, clock = make_server(tmp_path, "xl.fixture.startup-delay = 1 second")
    with server:
        release = server.create_release("R")
        phase = server.add_phase(release, "P")
        task = server.add_task(phase, "xlrelease.Task", "Manual")
        server.start_release(release)
        JOB_HOOKS.append(
            lambda task_api, comment_class: task_api.completeTask(
                task, comment_class("by the job")
            )
        )
        clock.advance(1)
        assert str(server.task_bean(task).status) == "COMPLETED"
        comment = server.activity_log(release, "Comments")[0]
        assert comment.username == "admin"


def test_stop_cancels_the_job(tmp_path):
    server, clock = make_server(tmp_path, "xl.fixture.startup-delay = 1 second")
    server.start()
    server.stop()
    clock.advance(100)
    assert server.job_runs == []


def test_long_lived_job_runs_on_its_own_thread_and_is_interrupted_on_stop(tmp_path):
    server, clock = make_server(
        tmp_path, "xl.fixture { startup-delay = 0 seconds\n sync-interval = 1 second }",
        long_lived_jobs={"fixture.Job"})
    entered = threading.Event()
    seen = {}

    def block_until_interrupted(task_api, comment_class):
        me = threading.current_thread()
        seen["thread"] = me.name
        entered.set()
        # A push loop: blocks (here on the interruption itself) until the host stops it.
        me._interrupted.wait(30)
        seen["interrupted"] = me.isInterrupted()

    JOB_HOOKS.append(block_until_interrupted)
    with server:
        assert entered.wait(30)
    assert seen == {"thread": "job-fixture.Job", "interrupted": True}
    assert server.job_runs[0].outcome == "completed"


def test_long_lived_job_that_does_not_stop_is_reported(tmp_path):
    server, clock = make_server(
        tmp_path, "xl.fixture.startup-delay = 0 seconds", long_lived_jobs={"fixture.Job"}
    )
    entered, release = threading.Event(), threading.Event()
    JOB_HOOKS.append(lambda *a: (entered.set(), release.wait(30)))
    server.start()
    assert entered.wait(30)
    try:
        with pytest.raises(SandboxError, match="did not stop"):
            server.stop(timeout=0.2)
    finally:
        release.set()


def test_unknown_long_lived_job_is_refused(tmp_path):
    with pytest.raises(SandboxError):
        make_server(tmp_path, long_lived_jobs={"nope"})
