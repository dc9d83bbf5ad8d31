"""What scripts see: Java-bean-like objects and only the host contract's API calls."""
from __future__ import annotations

import pytest

from remote_completion import compat
from sandbox import (Comment, IllegalArgumentException, IllegalStateException, NotFoundException,
                     TaskStatus)
from sandbox.api import script_apis

from sandbox_helpers import one_task_release


@pytest.fixture
def apis(server):
    return script_apis(server, server.script_user)


def test_bean_properties_read_as_attribute_and_getter(server, apis):
    _, task, _ = one_task_release(server, mode="wait")
    bean = apis["taskApi"].getTask(task)
    assert bean.title == bean.getTitle() == "The task"
    assert bean.failuresCount == bean.getFailuresCount() == 0
    assert bean.phase.getTitle() == "Phase one"
    with pytest.raises(AttributeError):
        bean.pythonScript
    with pytest.raises(AttributeError):
        bean.getNoSuchThing()


def test_status_is_an_enum_not_a_string(server, apis):
    _, task, _ = one_task_release(server, mode="wait")
    status = apis["taskApi"].getTask(task).status
    assert str(status) == status.name() == status.toString() == "IN_PROGRESS"
    assert status == TaskStatus.of("IN_PROGRESS")
    assert status != "IN_PROGRESS"   # as a Java enum in Jython
    assert compat.enum_name(status) == "IN_PROGRESS"


def test_type_prints_as_the_full_name(server, apis):
    _, task, _ = one_task_release(server, mode="wait")
    bean = apis["taskApi"].getTask(task)
    assert str(bean.type) == "xlrelease.CustomScriptTask"  # XL Release's shape
    task_type = bean.taskType
    assert str(task_type) == "fixture.Scripted"
    # Jython's bean access gives Type.getName(): the short name, not the full one.
    assert (task_type.prefix, task_type.name) == ("fixture", "Scripted")


def test_get_task_returns_a_fresh_snapshot(server, apis):
    _, task, _ = one_task_release(server, mode="wait")
    before = apis["taskApi"].getTask(task)
    apis["taskApi"].commentTask(task, Comment("hello"))
    after = apis["taskApi"].getTask(task)
    assert before.comments == []
    assert [c.text for c in after.comments] == ["hello"]
    before.title = "changed locally"
    assert apis["taskApi"].getTask(task).title == "The task"


def test_complete_and_fail_take_a_comment_form(server, apis, clock):
    _, task, _ = one_task_release(server, task_type="xlrelease.Task")
    with pytest.raises(IllegalArgumentException):
        apis["taskApi"].completeTask(task, "a plain string")
    comment = Comment()
    comment.setComment("by the API")
    bean = apis["taskApi"].completeTask(task, comment)
    assert str(bean.status) == "COMPLETED"
    assert (bean.comments[-1].text, bean.comments[-1].author) == ("by the API", "admin")
    with pytest.raises(IllegalStateException):
        apis["taskApi"].failTask(task, Comment("too late"))


@pytest.mark.parametrize("call", ["completeTask", "failTask"])
def test_outcome_calls_on_a_running_script_task_are_refused(server, apis, clock, call):
    # What XL Release does to a custom script task whose script is running is
    # undocumented; the sandbox refuses, so the plugin is proven not to need it.
    _, task, _ = one_task_release(server, mode="wait")
    clock.run_due()
    with pytest.raises(IllegalStateException, match="custom script task in progress"):
        getattr(apis["taskApi"], call)(task, Comment("verdict"))
    bean = apis["taskApi"].getTask(task)
    assert (str(bean.status), bean.comments) == ("IN_PROGRESS", [])
    assert server.pending_script(task) == "fixture/Wait.py"   # its script still drives it
    with pytest.raises(IllegalStateException):   # the UI route too
        getattr(server, {"completeTask": "complete_task", "failTask": "fail_task"}[call])(task)


def test_outcome_calls_on_a_running_script_task_can_be_allowed_by_switch(tmp_path):
    from sandbox import VirtualClock
    from sandbox_helpers import xlr_server
    clock = VirtualClock()
    with xlr_server(tmp_path / "home", clock, refuse_script_task_outcome=False) as srv:
        _, task, _ = one_task_release(srv, mode="wait")
        clock.run_due()
        bean = script_apis(srv, srv.script_user)["taskApi"].completeTask(task, Comment("ok"))
        assert str(bean.status) == "COMPLETED"
        assert srv.pending_script(task) is None


def test_calls_outside_the_contract_do_not_exist(apis):
    with pytest.raises(AttributeError, match="host contract"):
        apis["taskApi"].retryTask
    with pytest.raises(AttributeError, match="host contract"):
        apis["configurationApi"].addConfiguration
    with pytest.raises(AttributeError):
        apis["releaseApi"].getActiveReleases


def test_release_and_teams(server, apis):
    server.add_user("carol", "carol@example.com", "Carol Chen")
    server.add_role("Change managers", ["carol"])
    release, task, _ = one_task_release(server, mode="wait")
    server.add_team(release, "Approvers", members=["alice", "bob"], roles=["Change managers"])
    bean = apis["releaseApi"].getRelease(release)
    assert (bean.id, bean.title, str(bean.status)) == (release, "Release under test", "IN_PROGRESS")
    assert [t.id for t in bean.phases[0].tasks] == [task]
    (team,) = apis["releaseApi"].getTeams(release)
    assert team.teamName == "Approvers"
    members = [(m.name, m.fullName, str(m.type)) for m in team.members]
    assert members == [("alice", "Alice Archer", "PRINCIPAL"), ("bob", "Bob Baker", "PRINCIPAL"),
                       ("Change managers", None, "ROLE")]
    assert team.members[2].roleId.startswith("Role")
    role = apis["rolesApi"].getRole("Change managers")
    assert [(p.username, p.fullname) for p in role.principals] == [("carol", "Carol Chen")]
    with pytest.raises(NotFoundException):
        apis["rolesApi"].getRole("Nobody")


def test_users(server, apis):
    user = apis["userApi"].getUser("alice")
    assert (user.username, user.email, user.fullName) == (
        "alice", "alice@example.com", "Alice Archer")
    with pytest.raises(NotFoundException):
        apis["userApi"].getUser("mallory")


def test_configuration_passwords_readable_by_scripts_hidden_elsewhere(server, apis):
    ci = server.create_configuration("fixture.Server", "Mailbox", host="imap.example.com",
                                     password="pa55word-xyz", domains={"example.com"})
    (found,) = apis["configurationApi"].searchByTypeAndTitle("fixture.Server", "")
    assert found.id == ci and found.title == "Mailbox" and str(found.type) == "fixture.Server"
    assert found.getProperty("password") == "pa55word-xyz"
    assert found.getProperty("domains") == {"example.com"}
    assert "pa55word-xyz" not in str(found) and "pa55word-xyz" not in repr(found)
    assert "imap.example.com" in str(found)
    listing = server.list_configurations()
    assert "pa55word-xyz" not in repr(listing)
    with pytest.raises(AttributeError):
        found.host  # synthetic properties have no Java getter: getProperty only
    assert compat.prop(found, "host") == "imap.example.com"


def test_search_by_type_and_title(server, apis):
    server.create_configuration("fixture.Server", "One", host="a")
    server.create_configuration("fixture.Server", "Two", host="b")
    search = apis["configurationApi"].searchByTypeAndTitle
    assert sorted(c.title for c in search("fixture.Server", "")) == ["One", "Two"]
    assert [c.title for c in search("fixture.Server", "Two")] == ["Two"]
    assert search("fixture.Server", "Three") == []
    assert sorted(c.title for c in search("xlrelease.Configuration", "")) == ["One", "Two"]
    with pytest.raises(IllegalArgumentException):
        search("no.SuchType", "")
    # Public plugins pass ""; what None does on XL Release is unknown: refused.
    with pytest.raises(IllegalArgumentException, match="None"):
        search("fixture.Server", None)


def test_smtp_server_settings_ci(server, apis):
    server.set_smtp_server(
        host="smtp.example.com", port=587, tls=True, fromAddress="xlr@example.com", username="xlr",
        password="smtp-pass-123")
    (smtp,) = apis["configurationApi"].searchByTypeAndTitle("xlrelease.SmtpServer", "")
    assert smtp.id == "Configuration/mail/SmtpServer"
    assert (smtp.getProperty("host"), smtp.getProperty("port"), smtp.getProperty("tls")) == (
        "smtp.example.com", 587, True)
    assert smtp.getProperty("password") == "smtp-pass-123"
    assert "smtp-pass-123" not in repr(smtp)
    by_id = apis["configurationApi"].getConfiguration("Configuration/mail/SmtpServer")
    assert by_id.getProperty("password") == "smtp-pass-123"
    with pytest.raises(Exception, match="not found"):
        apis["configurationApi"].getConfiguration("Configuration/Custom/ConfigurationNone")
    # A server that hides the SMTP password from scripts: both calls give its
    # stored (encrypted) form; other configurations keep theirs.
    server.smtp_password_readable = False
    (hidden,) = apis["configurationApi"].searchByTypeAndTitle("xlrelease.SmtpServer", "")
    for bean in (hidden, apis["configurationApi"].getConfiguration(smtp.id)):
        assert bean.getProperty("password").startswith("{aes:v0}")
        assert bean.getProperty("username") == "xlr"


def test_connection_test_runs_the_types_script_with_configuration(server):
    good = server.create_configuration(
        "fixture.Server", "Good", host="imap.example.com", password="pw-123456"
    )
    bad = server.create_configuration("fixture.Server", "Bad", host="bad")
    result = server.test_configuration(good)
    assert result == {"success": True, "errorText": None, "scriptFound": True,
                      "output": "testing imap.example.com\n"}
    result = server.test_configuration(bad)
    assert (result["success"], result["scriptFound"]) == (False, True)
    assert "code 1" in result["errorText"]


def test_injected_faults_make_a_call_fail_before_acting(server, apis):
    _, task, _ = one_task_release(server, task_type="xlrelease.Task")
    server.inject_api_fault("taskApi.completeTask", times=2)
    for _ in range(2):
        with pytest.raises(RuntimeError, match="injected fault"):
            apis["taskApi"].completeTask(task, Comment("not yet"))
    assert str(apis["taskApi"].getTask(task).status) == "IN_PROGRESS"
    assert apis["taskApi"].getTask(task).comments == []
    assert str(apis["taskApi"].completeTask(task, Comment("now")).status) == "COMPLETED"
    assert server.api_faults_raised == ["taskApi.completeTask", "taskApi.completeTask"]
    server.inject_api_fault("userApi.getUser", NotFoundException("gone"))
    with pytest.raises(NotFoundException):
        apis["userApi"].getUser("alice")
    assert apis["userApi"].getUser("alice").username == "alice"


def test_xl_release_shape_of_custom_task_types(tmp_path):
    from sandbox import VirtualClock
    from sandbox_helpers import xlr_server
    clock = VirtualClock()
    with xlr_server(tmp_path / "home", clock, custom_script_task_type=True) as srv:
        _, task, _ = one_task_release(srv, mode="wait", then_manual=True)
        bean = srv.task_bean(task)
        assert (str(bean.type), str(bean.taskType)) == (
            "xlrelease.CustomScriptTask", "fixture.Scripted")
        manual = srv.release_bean(srv.release_of(task)).phases[0].tasks[1]
        assert str(manual.type) == str(manual.taskType) == "xlrelease.Task"


def test_get_configuration_by_id(server, apis):
    ci = server.create_configuration("fixture.Server", "One", host="a")
    smtp = server.set_smtp_server(host="smtp.example.com", password="smtp-pass-123",
                                fromAddress="xlr@example.com")
    get = apis["configurationApi"].getConfiguration
    assert (get(ci).title, get(ci).getProperty("host")) == ("One", "a")
    assert get(smtp).getProperty("password") == "smtp-pass-123"
    with pytest.raises(NotFoundException):
        get("Configuration/Custom/Configuration" + "0" * 32)


def test_smtp_password_hidden_from_scripts_by_switch(tmp_path, clock):
    from sandbox.views import HIDDEN_PASSWORD
    from sandbox_helpers import xlr_server
    with xlr_server(tmp_path / "home", clock, smtp_password_readable=False) as srv:
        smtp = srv.set_smtp_server(host="smtp.example.com", password="smtp-pass-123",
                                fromAddress="xlr@example.com")
        api = script_apis(srv, srv.script_user)["configurationApi"]
        assert api.getConfiguration(smtp).getProperty("password") == HIDDEN_PASSWORD
        (found,) = api.searchByTypeAndTitle("xlrelease.SmtpServer", "")
        assert found.getProperty("password") == HIDDEN_PASSWORD
        assert found.getProperty("host") == "smtp.example.com"
