"""Task and release life cycle, ids, illegal transitions and the activity log."""
from __future__ import annotations

import re

import pytest

from sandbox import IllegalStateException, NotFoundException
from sandbox.model import (ACTIVITIES, ASSIGNMENT, COMMENTS, IMPORTANT, LIFECYCLE, SECURITY,
                           TASK_EDITS, activity)

from sandbox_helpers import one_task_release, status

HEX = "[0-9a-f]{32}"


def manual_release(server, titles=("First", "Second"), phases=1):
    release = server.create_release("Manual release")
    tasks = []
    for p in range(phases):
        phase = server.add_phase(release, "Phase %d" % p)
        tasks += [server.add_task(phase, "xlrelease.Task", "%s %d" % (t, p)) for t in titles]
    return release, tasks


def test_ids_have_xl_release_shapes(server):
    release, (first, _) = manual_release(server)
    assert re.fullmatch("Applications/Release%s" % HEX, release)
    assert re.fullmatch("Applications/Release%s/Phase%s/Task%s" % (HEX, HEX, HEX), first)
    assert first.startswith(release + "/")
    team = server.add_team(release, "Ops", members=["alice"])
    assert re.fullmatch("Applications/Release%s/Team%s" % (HEX, HEX), team)


def test_tasks_start_planned_and_release_flow_starts_the_first(server):
    release, (first, second) = manual_release(server)
    assert status(server, first) == "PLANNED"
    server.start_release(release)
    assert status(server, first) == "IN_PROGRESS"
    assert status(server, second) == "PLANNED"
    assert str(server.release_bean(release).status) == "IN_PROGRESS"
    assert server.task_bean(first).startDate == server.clock.now()


def test_completing_a_task_starts_the_next_and_the_last_completes_the_release(server):
    release, tasks = manual_release(server, phases=2)
    server.start_release(release)
    for index, task in enumerate(tasks):
        assert status(server, task) == "IN_PROGRESS"
        server.complete_task(task)
        assert status(server, task) == "COMPLETED"
        if index + 1 < len(tasks):
            assert status(server, tasks[index + 1]) == "IN_PROGRESS"
    bean = server.release_bean(release)
    assert str(bean.status) == "COMPLETED"
    assert [str(p.status) for p in bean.phases] == ["COMPLETED", "COMPLETED"]


@pytest.mark.parametrize("call", ["complete_task", "fail_task"])
def test_completing_or_failing_a_task_not_in_progress_raises(server, call):
    release, (first, second) = manual_release(server)
    with pytest.raises(IllegalStateException):       # PLANNED, release not started
        getattr(server, call)(first)
    server.start_release(release)
    with pytest.raises(IllegalStateException):       # PLANNED, later in the flow
        getattr(server, call)(second)
    server.complete_task(first)
    with pytest.raises(IllegalStateException):       # COMPLETED
        getattr(server, call)(first)
    server.fail_task(second)
    with pytest.raises(IllegalStateException):       # FAILED
        getattr(server, call)(second)
    assert status(server, first) == "COMPLETED"
    assert status(server, second) == "FAILED"


def test_a_refused_transition_changes_nothing(server):
    release, (first, second) = manual_release(server)
    server.start_release(release)
    before = len(server.activity_log(release))
    with pytest.raises(IllegalStateException):
        server.complete_task(second, "should not be recorded")
    assert server.task_bean(second).comments == []
    assert len(server.activity_log(release)) == before


def test_failure_counts_and_fails_the_release_retry_keeps_the_count(server):
    release, (first, second) = manual_release(server)
    server.start_release(release)
    server.fail_task(first, "broken")
    bean = server.task_bean(first)
    assert (str(bean.status), bean.failuresCount) == ("FAILED", 1)
    assert str(server.release_bean(release).status) == "FAILED"
    server.retry_task(first)
    bean = server.task_bean(first)
    assert (str(bean.status), bean.failuresCount) == ("IN_PROGRESS", 1)
    assert str(server.release_bean(release).status) == "IN_PROGRESS"
    server.fail_task(first)
    assert server.task_bean(first).failuresCount == 2
    with pytest.raises(IllegalStateException):
        server.retry_task(second)  # only FAILED tasks can be retried


def test_skip_from_failed_continues_the_flow(server):
    release, (first, second) = manual_release(server)
    server.start_release(release)
    server.fail_task(first)
    server.skip_task(first)
    assert status(server, first) == "SKIPPED"
    assert status(server, second) == "IN_PROGRESS"
    assert str(server.release_bean(release).status) == "IN_PROGRESS"


def test_release_cannot_start_twice(server):
    release, _ = manual_release(server)
    server.start_release(release)
    with pytest.raises(IllegalStateException):
        server.start_release(release)


def test_unknown_ids_raise(server):
    with pytest.raises(NotFoundException):
        server.task_bean("Applications/Release0/Phase0/Task0")
    with pytest.raises(NotFoundException):
        server.release_bean("Applications/Release0")
    with pytest.raises(NotFoundException):
        server.complete_task("nonsense")


def test_comments_on_any_task_with_author_and_date(server):
    release, (first, second) = manual_release(server)
    server.comment_task(second, "planned but commented", as_user="alice")
    server.start_release(release)
    server.complete_task(first, "done")
    server.comment_task(first, "after the fact")
    comments = server.task_bean(first).comments
    assert [(c.text, c.author) for c in comments] == [
        ("done", "admin"), ("after the fact", "admin")]
    assert server.task_bean(second).comments[0].author == "alice"
    assert comments[0].date == server.clock.now()


def test_activity_log_categories(server):
    release, (first, second) = manual_release(server)
    server.add_team(release, "Ops", members=["alice"])
    server.start_release(release)
    server.assign_task(first, "bob")
    server.complete_task(first, "looks good")
    server.fail_task(second, "no good")

    def types(category):
        return [e.activityType for e in server.activity_log(release, category)]

    assert types(COMMENTS) == [activity("COMMENT_ADDED"), activity("COMMENT_ADDED")]
    assert activity("TASK_COMPLETED") in types(LIFECYCLE) and activity("TASK_FAILED") in types(
        LIFECYCLE
    )
    assert activity("TASK_FAILED") in types(IMPORTANT) and activity("TASK_COMPLETED") not in types(
        IMPORTANT
    )
    assert activity("RELEASE_STARTED") in types(IMPORTANT)
    assert types(ASSIGNMENT) == [activity("TASK_OWNER_UPDATED")]
    assert types(SECURITY) == [activity("TEAM_CREATED")]
    comment = server.activity_log(release, COMMENTS)[0]
    assert (comment.username, comment.targetId, comment.targetType) == ("admin", first, "TASK")
    assert "looks good" in comment.message
    # The comment is recorded before the status change it explains.
    all_types = [e.activityType for e in server.activity_log(release)]
    assert all_types.index(activity("COMMENT_ADDED")) < all_types.index(activity("TASK_COMPLETED"))


def test_activity_types_are_marked_as_the_sandbox_own():
    # XL Release's activity type names are not in the reference (release-api.yaml
    # has a free string): every sandbox name says it is the sandbox's.
    assert ACTIVITIES and all(name.startswith("SANDBOX_") for name in ACTIVITIES)
    assert activity("TASK_FAILED") == "SANDBOX_TASK_FAILED"


def test_activity_entries_serialise_with_their_categories(server):
    release, (first, _) = manual_release(server)
    server.start_release(release)
    server.fail_task(first)
    entry = next(
        e for e in server.activity_log(release) if e.activityType == activity("TASK_FAILED")
    )
    data = entry.to_json()
    assert data["categories"] == [IMPORTANT, LIFECYCLE]
    assert data["eventTime"] == server.clock.now().isoformat()
    assert set(data) >= {
        "username", "activityType", "message", "eventTime", "targetType", "targetId"}


def test_update_task_edits_are_task_edits_and_status_cannot_be_set(server):
    release, (first, _) = manual_release(server)
    bean = server.task_bean(first)
    bean.title = "Renamed"
    bean.setDescription("new words")
    server.update_task(first, bean)
    assert server.task_bean(first).title == "Renamed"
    assert [e.activityType for e in server.activity_log(release, TASK_EDITS)] == [
        activity("TASK_TITLE_UPDATED"), activity("TASK_DESCRIPTION_UPDATED")]
    with pytest.raises(AttributeError):
        bean.setStatus("COMPLETED")
    with pytest.raises(AttributeError):
        bean.status = "COMPLETED"


def test_assigning_to_unknown_user_or_team_raises(server):
    release, (first, _) = manual_release(server)
    with pytest.raises(NotFoundException):
        server.assign_task(first, "mallory")
    bean = server.task_bean(first)
    bean.team = "No such team"
    with pytest.raises(NotFoundException):
        server.update_task(first, bean)


def test_script_task_failure_fails_release_and_retry_runs_the_retry_script(server, clock):
    release, task, _ = one_task_release(server, mode="exit1")
    clock.run_due()
    assert status(server, task) == "FAILED"
    server.retry_task(task)
    clock.run_due()
    assert status(server, task) == "COMPLETED"
    assert server.task_properties(task)["result"] == "retried after 1 failure(s)"
    assert str(server.release_bean(release).status) == "COMPLETED"


def test_retry_can_reset_the_failure_count_by_switch(tmp_path, clock):
    # When XL Release changes failuresCount is undocumented: the sandbox can
    # keep it on retry (default) or reset it, so a run binding is tested both ways.
    from sandbox_helpers import xlr_server
    with xlr_server(tmp_path / "home", clock, reset_failures_on_retry=True) as srv:
        release, (first, _) = manual_release(srv)
        srv.start_release(release)
        srv.fail_task(first)
        assert srv.task_bean(first).failuresCount == 1
        srv.retry_task(first)
        bean = srv.task_bean(first)
        assert (str(bean.status), bean.failuresCount) == ("IN_PROGRESS", 0)
