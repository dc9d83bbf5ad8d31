"""API calls run as the release's run-as user, with permissions tests can narrow."""
from __future__ import annotations

import pytest

from sandbox import Comment, PermissionDeniedException
from sandbox.api import script_apis

from sandbox_helpers import status


def manual_task(server, title, **release_kw):
    release = server.create_release(title, **release_kw)
    phase = server.add_phase(release, "P")
    return release, server.add_task(phase, "xlrelease.Task", title + " task")


def script_task(server, title, **props):
    release = server.create_release(title, script_username="runner")
    phase = server.add_phase(release, "Phase one")
    task = server.add_task(phase, "fixture.Scripted", "The task", **props)
    return release, task


@pytest.fixture
def runner(server):
    server.add_user("runner", "runner@example.com", "Script Runner")
    return "runner"


def test_the_refusal_is_a_permission_denied_exception_by_name(server, runner):
    release, task = manual_task(server, "B")
    apis = script_apis(server, runner)
    with pytest.raises(PermissionDeniedException) as refused:
        apis["taskApi"].getTask(task)
    # The plugin tells it apart by the class name (XL Release's
    # com.xebialabs.deployit.security.PermissionDeniedException).
    assert type(refused.value).__name__ == "PermissionDeniedException"
    assert "runner" in str(refused.value) and "view" in str(refused.value)


def test_script_runs_as_its_releases_run_as_user_who_may_not_read_another_release(
        server, runner, clock):
    other_release, other = manual_task(server, "B")
    release, task = script_task(server, "A", mode="denied-name", other=other)
    server.add_team(release, "Runners", members=[runner])        # may act on A only
    server.start_release(release)
    clock.run_due()
    assert server.task_properties(task)["result"] == "PermissionDeniedException"
    # The same script as the admin run-as user of another release may.
    second, allowed = script_task(server, "C", mode="denied-name", other=other)
    server.set_script_user(second, server.script_user)
    server.start_release(second)
    clock.run_due()
    assert server.task_properties(allowed)["result"] == "allowed"


def test_a_refused_call_fails_the_script_and_changes_nothing(server, runner, clock):
    other_release, other = manual_task(server, "B")
    server.add_team(other_release, "Readers", members=[runner], permissions=["view"])
    release, task = script_task(server, "A", mode="comment-other", other=other)
    server.add_team(release, "Runners", members=[runner])
    server.start_release(release)
    clock.run_due()
    assert status(server, task) == "FAILED"
    assert "PermissionDeniedException" in server.task_bean(task).comments[-1].text
    assert server.task_bean(other).comments == []
    # view is enough to read it
    assert script_apis(server, runner)["taskApi"].getTask(other).title == "B task"


def test_permissions_through_a_role_and_through_a_folder_team(server, runner):
    server.add_role("Automation", [runner])
    folder = server.create_folder("Payments")
    release, task = manual_task(server, "F", folder=folder)
    apis = script_apis(server, runner)
    with pytest.raises(PermissionDeniedException):
        apis["releaseApi"].getRelease(release)
    server.add_team(folder, "Automation team", roles=["Automation"], permissions=["view", "edit"])
    assert apis["releaseApi"].getRelease(release).title == "F"
    server.start_release(release)
    apis["taskApi"].commentTask(task, Comment("through the folder's team"))
    assert server.task_bean(task).comments[-1].author == runner


def test_deny_narrows_one_call_for_one_user(server, runner):
    release, task = manual_task(server, "B")
    apis = script_apis(server, server.script_user)
    server.deny(server.script_user, "userApi.getUser")
    with pytest.raises(PermissionDeniedException):
        apis["userApi"].getUser("alice")
    server.deny(server.script_user, "taskApi.getTask", target=release)
    with pytest.raises(PermissionDeniedException):
        apis["taskApi"].getTask(task)
    _, elsewhere = manual_task(server, "C")
    assert apis["taskApi"].getTask(elsewhere).title == "C task"   # only inside that release
    assert apis["rolesApi"].getRole is not None


def test_unknown_ids_stay_not_found_for_the_admin(server):
    from sandbox import NotFoundException
    apis = script_apis(server, server.script_user)
    with pytest.raises(NotFoundException):
        apis["taskApi"].getTask("Applications/Release" + "0" * 32 + "/Phase1/Task1")


def test_release_carries_its_run_as_user(server, runner):
    release, _ = manual_task(server, "B", script_username=runner)
    assert server.release_bean(release).scriptUsername == runner
    assert server.run_as_user(release) == runner
