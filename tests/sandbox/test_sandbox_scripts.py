"""The script runner: variables, outcomes, schedule, status line, output kept."""
from __future__ import annotations

import os
import threading

import pytest

from sandbox import runner
from sandbox.conf import write_conf

from sandbox_helpers import fixture_lib, one_task_release, status


def test_script_completes_with_outputs_copied_back_and_output_kept(server, clock):
    _, task, after = one_task_release(server, mode="complete", flavour="spicy", then_manual=True)
    assert status(server, task) == "IN_PROGRESS"   # scripts run asynchronously
    clock.run_due()
    assert status(server, task) == "COMPLETED"
    assert server.task_properties(task)["result"] == "done:spicy"
    assert [c.text for c in server.task_bean(task).comments] == ["hello from The task"]
    assert status(server, after) == "IN_PROGRESS"
    run = server.task_runs(task)[0]
    assert (run.script, run.outcome, run.output) == (
        "fixture/Scripted.py", "completed", "hello from The task\n")


def test_quiet_script_adds_no_comment(server, clock):
    _, task, _ = one_task_release(server, mode="quiet")
    clock.run_due()
    assert status(server, task) == "COMPLETED"
    assert server.task_bean(task).comments == []


def test_sys_exit_nonzero_fails_the_task_keeping_output(server, clock):
    _, task, after = one_task_release(server, mode="exit1", then_manual=True)
    clock.run_due()
    bean = server.task_bean(task)
    assert (str(bean.status), bean.failuresCount) == ("FAILED", 1)
    text = bean.comments[-1].text
    assert "about to fail" in text and "code 1" in text
    assert status(server, after) == "PLANNED"


def test_sys_exit_with_message_fails(server, clock):
    _, task, _ = one_task_release(server, mode="exitmsg")
    clock.run_due()
    assert status(server, task) == "FAILED"
    assert "bad things" in server.task_bean(task).comments[-1].text


@pytest.mark.parametrize("mode, text", [("exit0", "code 0"), ("exit-bare", "without a status")])
def test_any_sys_exit_fails_the_task(server, clock, mode, text):
    # using-scheduling-in-scripts.md: "sys.exit() is called: the script stops
    # executing and the task fails" (whatever the status).
    _, task, after = one_task_release(server, mode=mode, then_manual=True)
    clock.run_due()
    bean = server.task_bean(task)
    assert (str(bean.status), bean.failuresCount) == ("FAILED", 1)
    assert text in bean.comments[-1].text
    assert server.task_runs(task)[0].outcome == "failed"
    assert status(server, after) == "PLANNED"


def test_exception_fails_the_task_with_the_traceback(server, clock):
    _, task, _ = one_task_release(server, mode="raise")
    clock.run_due()
    assert status(server, task) == "FAILED"
    text = server.task_bean(task).comments[-1].text
    assert "ValueError: boom in script" in text
    assert "Scripted.py" in text and "runner.py" not in text


def test_schedule_default_is_5_seconds(server, clock):
    _, task, _ = one_task_release(server, mode="schedule", polls=1)
    clock.run_due()
    assert status(server, task) == "IN_PROGRESS"
    assert server.pending_script(task) == "fixture/Poll.py"
    clock.advance(4.999)
    assert server.task_properties(task)["counter"] == 0
    clock.advance(0.001)
    assert status(server, task) == "COMPLETED"
    assert server.task_properties(task)["result"] == "polled 1"


def test_schedule_default_comes_from_conf(tmp_path):
    from sandbox import VirtualClock
    from sandbox_helpers import xlr_server
    clock = VirtualClock()
    home = tmp_path / "home"
    write_conf(home, "xl.durations.customScriptTaskScheduleInterval = 10 seconds\n")
    with xlr_server(home, clock) as srv:
        _, task, _ = one_task_release(srv, mode="schedule", polls=1)
        clock.advance(9.5)
        assert status(srv, task) == "IN_PROGRESS"
        clock.advance(0.5)
        assert status(srv, task) == "COMPLETED"


def test_schedule_polls_with_script_state_and_status_line(server, clock):
    _, task, _ = one_task_release(server, mode="schedule", seconds=3, polls=3)
    clock.run_due()
    assert server.task_bean(task).statusLine == "Waiting (0/3)"
    clock.advance(3)
    assert server.task_bean(task).statusLine == "Waiting (1/3)"
    assert server.task_properties(task)["counter"] == 1   # script property copied back
    clock.advance(3)
    assert status(server, task) == "IN_PROGRESS"
    clock.advance(3)
    assert status(server, task) == "COMPLETED"
    assert [r.outcome for r in server.task_runs(task)] == [
        "scheduled", "scheduled", "scheduled", "completed"]
    polls = [c for c in fixture_lib().CALLS if c[0] == "Poll"]
    assert [c[1] for c in polls] == [0, 1, 2]


def test_schedule_minimum_is_one_second(server, clock):
    _, task, _ = one_task_release(server, mode="schedule", seconds=0, polls=1)
    clock.run_due()
    assert status(server, task) == "IN_PROGRESS"
    clock.advance(0.99)
    assert status(server, task) == "IN_PROGRESS"
    clock.advance(0.01)
    assert status(server, task) == "COMPLETED"


def test_schedule_refuses_a_non_integer_delay(server, clock):
    _, task, _ = one_task_release(server, mode="schedule-float")
    clock.run_due()
    assert status(server, task) == "FAILED"
    assert "integer" in server.task_bean(task).comments[-1].text


def test_scheduled_script_that_does_not_exist_fails_the_task(server, clock):
    _, task, _ = one_task_release(server, mode="schedule-missing")
    clock.run_due()
    clock.advance(1)
    assert status(server, task) == "FAILED"
    assert "fixture/Nope.py" in server.task_bean(task).comments[-1].text


def test_output_of_the_wrong_kind_fails_the_task(server, clock):
    _, task, _ = one_task_release(server, mode="bad-output")
    clock.run_due()
    assert status(server, task) == "FAILED"
    assert "result" in server.task_bean(task).comments[-1].text


def test_nothing_runs_for_a_task_that_left_in_progress(server, clock):
    _, task, _ = one_task_release(server, mode="wait")
    clock.run_due()
    clock.advance(1)
    assert server.pending_script(task) == "fixture/Wait.py"
    runs = len(server.task_runs(task))
    server.skip_task(task, "done elsewhere")   # documented: a task in progress can be skipped
    assert server.pending_script(task) is None
    clock.advance(10)
    assert len(server.task_runs(task)) == runs
    assert status(server, task) == "SKIPPED"
    assert not [h for h in clock.pending() if "Wait.py" in h.name]


def test_a_script_completing_its_own_task_through_the_api_fails_it(server, clock):
    # The API call on a running script task is refused; the refusal is the
    # script's exception, which fails the task the documented way.
    release, task, after = one_task_release(server, mode="self-complete", then_manual=True)
    clock.run_due()
    bean = server.task_bean(task)
    assert str(bean.status) == "FAILED"
    assert "custom script task in progress" in bean.comments[-1].text
    assert status(server, after) == "PLANNED"


def test_with_outcome_calls_allowed_a_self_completed_task_is_not_completed_twice(tmp_path):
    from sandbox import VirtualClock
    from sandbox.model import activity
    from sandbox_helpers import xlr_server
    clock = VirtualClock()
    with xlr_server(tmp_path / "home", clock, refuse_script_task_outcome=False) as srv:
        release, task, after = one_task_release(srv, mode="self-complete", then_manual=True)
        clock.run_due()
        assert status(srv, task) == "COMPLETED"
        assert srv.task_runs(task)[0].outcome == "discarded"
        completions = [e for e in srv.activity_log(release)
                       if e.activityType == activity("TASK_COMPLETED")]
        assert len(completions) == 1
        assert status(srv, after) == "IN_PROGRESS"


def test_script_sees_builtin_name_and_server_home(server, clock):
    _, first, _ = one_task_release(server, mode="name")
    _, second, _ = one_task_release(server, mode="env")
    clock.run_due()
    assert server.task_properties(first)["result"] == "__builtin__"
    assert server.task_properties(second)["result"] == str(server.home)
    assert os.environ["XL_RELEASE_SERVER_HOME"] == str(server.home)


def test_script_gets_task_apis_and_helper_functions(server, clock):
    _, task, _ = one_task_release(server, mode="api")
    _, helpers, _ = one_task_release(server, mode="helpers")
    clock.run_due()
    assert server.task_properties(task)["result"] == (
        "IN_PROGRESS|fixture.Scripted|The task|Release under test|0|Phase one")
    # getCurrentTask/Phase/Release, getTasksByTitle, getPhasesByTitle, getReleasesByTitle
    assert server.task_properties(helpers)["result"] == "True|Phase one|Release under test|1|1|2"


def test_script_variables_as_documented_for_plugin_task_scripts(server, clock):
    # release and hostRunsScheduledJobs are not documented for plugin task scripts.
    _, task, _ = one_task_release(server, mode="vars")
    clock.run_due()
    assert server.task_properties(task)["result"] == "Comment,folderApi,getCurrentRelease,taskApi"


@pytest.mark.parametrize("switches, expected", [
    ({"comment_variable": False}, "folderApi,getCurrentRelease,taskApi"),
    ({"release_variable": True}, "Comment,folderApi,getCurrentRelease,release,taskApi"),
    ({"run_jobs": True}, "Comment,folderApi,getCurrentRelease,hostRunsScheduledJobs,taskApi"),
])
def test_switches_add_or_remove_script_variables(tmp_path, switches, expected):
    from sandbox import VirtualClock
    from sandbox_helpers import xlr_server
    clock = VirtualClock()
    with xlr_server(tmp_path / "home", clock, **switches) as srv:
        _, task, _ = one_task_release(srv, mode="vars")
        clock.run_due()
        assert srv.task_properties(task)["result"] == expected


def test_comment_form_imports_from_its_java_package_without_the_variable(tmp_path):
    import sys
    from sandbox import VirtualClock
    from sandbox_helpers import xlr_server
    clock = VirtualClock()
    with xlr_server(tmp_path / "home", clock, comment_variable=False) as srv:
        _, task, _ = one_task_release(srv, mode="java-comment")
        clock.run_due()
        assert status(srv, task) == "COMPLETED"
        assert [c.text for c in srv.task_bean(task).comments] == ["via the Java package"]
    assert "com.xebialabs.xlrelease.api.v1.forms" not in sys.modules   # gone with the server


def test_ci_input_arrives_as_a_dict_of_its_properties(server, clock):
    ci = server.create_configuration(
        "fixture.Server", "Mail", host="imap.example.com", password="s3cret"
    )
    _, task, _ = one_task_release(server, mode="server", endpoint=ci)
    clock.run_due()
    assert server.task_properties(task)["result"] == "imap.example.com:143"


def test_missing_required_input_fails_the_task_at_start(server, clock):
    _, task, _ = one_task_release(server, task_type="fixture.NeedsInput")
    clock.run_due()
    assert status(server, task) == "FAILED"
    assert "target" in server.task_bean(task).comments[-1].text


def test_properties_are_locked_while_in_progress(server, clock):
    _, task, _ = one_task_release(server, mode="wait")
    with pytest.raises(Exception):
        server.set_task_properties(task, mode="complete")


def test_output_capture_is_per_thread():
    barrier = threading.Barrier(2, timeout=10)
    results = {}

    def run(name):
        source = "barrier.wait()\nfor i in range(50):\n    print(name)\nbarrier.wait()\n"
        results[name] = runner.run_script(source, "<t>", {"barrier": barrier, "name": name})

    threads = [threading.Thread(target=run, args=(n,)) for n in ("one", "two")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert results["one"].output == "one\n" * 50
    assert results["two"].output == "two\n" * 50
