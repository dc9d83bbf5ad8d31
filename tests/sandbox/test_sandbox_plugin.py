"""Loading plugins: synthetic.xml types, xl-rules.xml, source trees and jars."""
from __future__ import annotations

import shutil
import sys
import zipfile
from pathlib import Path

import pytest

from sandbox import (Plugin, PluginError, SandboxError, Server, TypeSystemError, VirtualClock,
                     build_jar)
from sandbox.typesystem import TypeRegistry

from sandbox_helpers import FIXTURE, fixture_plugin, one_task_release, status

HEAD = ('<synthetic xmlns="http://www.xebialabs.com/deployit/synthetic" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">')


def synthetic(body: str) -> bytes:
    return (HEAD + body + "</synthetic>").encode()


def load(body: str):
    registry = TypeRegistry()
    registry.load_synthetic(synthetic(body))
    return registry


def test_types_extend_builtins_and_inherit_properties():
    registry = load(
        '<type type="a.Task" extends="xlrelease.PythonScript">'
        '<property name="x" category="input" kind="integer" default="3"/></type>'
        '<type type="a.Sub" extends="a.Task"><property name="y" category="output"/></type>'
    )
    sub = registry.get("a.Sub")
    assert {"scriptLocation", "x", "y"} <= set(sub.properties)
    assert sub.property("x").default == 3
    assert sub.default_script() == "a/Sub.py"
    assert [t.name for t in registry.task_types()] == ["a.Task", "a.Sub"]


@pytest.mark.parametrize(
    "body, fragment",
    [
        ('<type type="a.T" extends="xlrelease.NoSuchBase"/>', "unknown type xlrelease.NoSuchBase"),
        (
            '<type type="a.T" extends="xlrelease.PythonScript"><property name="p" '
            'kind="float"/></type>',
            "unknown kind",
        ),
        (
            '<type type="a.T" extends="xlrelease.PythonScript"><property name="p" '
            'kind="list_of_ci" '
            'referenced-type="xlrelease.Configuration"/></type>',
            "not supported",
        ),
        (
            '<type type="a.T" extends="xlrelease.PythonScript"><property name="p" '
            'kind="enum"/></type>',
            "enum-values",
        ),
        (
            '<type type="a.T" extends="xlrelease.PythonScript"><property name="p" kind="integer" '
            'default="many"/></type>',
            "not an integer",
        ),
        (
            '<type type="a.T" extends="xlrelease.PythonScript"><property name="p" kind="boolean" '
            'default="yes"/></type>',
            "true or false",
        ),
        (
            '<type type="a.T" extends="xlrelease.PythonScript"><property name="p" kind="ci" '
            'referenced-type="a.Missing"/></type>',
            "unknown type a.Missing",
        ),
        (
            '<type type="a.T" extends="xlrelease.PythonScript"><property name="p" '
            'category="secret"/></type>',
            "unknown category",
        ),
        ('<type type="a.T" extends="a.U"/><type type="a.U" extends="a.T"/>', "cycle"),
        (
            '<type type="a.T" extends="xlrelease.PythonScript"/><type type="a.T" '
            'extends="xlrelease.PythonScript"/>',
            "defined twice",
        ),
    ],
)
def test_synthetic_errors_are_clear(body, fragment):
    with pytest.raises(TypeSystemError, match=fragment):
        load(body)


@pytest.mark.synthetic_xsd
def test_synthetic_is_validated_against_the_xsd_when_at_hand():
    from tests.support.lanes import synthetic_xsd_path
    with pytest.raises(TypeSystemError, match="synthetic.xsd"):
        TypeRegistry().load_synthetic(synthetic('<type type="a.T" extends="xlrelease.PythonScript">'
                                                '<property name="p" colour="red"/></type>'),
                                      xsd=synthetic_xsd_path())


def test_values_are_checked_against_kinds(server):
    release = server.create_release("R")
    phase = server.add_phase(release, "P")
    with pytest.raises(TypeSystemError, match="no property 'nope'"):
        server.add_task(phase, "fixture.Scripted", "T", nope="x")
    for name, value in [("polls", "3"), ("polls", True), ("mode", 7), ("flavour", "sweet"),
                        ("endpoint", "Configuration/Custom/ConfigurationMissing")]:
        with pytest.raises(TypeSystemError, match=name):
            server.add_task(phase, "fixture.Scripted", "T", **{name: value})
    with pytest.raises(TypeSystemError):
        server.create_configuration("fixture.Server", "S", host="h", domains="example.com")
    with pytest.raises(TypeSystemError, match="required"):
        server.create_configuration("fixture.Server", "S")
    with pytest.raises(TypeSystemError, match="not a task type"):
        server.add_task(phase, "fixture.Server", "T")


def test_a_task_property_may_not_hide_a_host_variable(tmp_path):
    ext = tmp_path / "ext"
    (ext / "p").mkdir(parents=True)
    (ext / "synthetic.xml").write_bytes(
        synthetic(
            '<type type="p.T" extends="xlrelease.PythonScript"><property name="task" '
            'category="input"/></type>'
        )
    )
    with pytest.raises(TypeSystemError, match="host's script variable"):
        Server(tmp_path / "home", [Plugin.from_source_tree(ext)], clock=VirtualClock())


RULES_HEAD = '<rules xmlns="urn:xlr-remote-completion:xl-rules:1">'


def plugin_with_rules(tmp_path, rules: str, scripts=("p/Job.py", "p/T.py")):
    ext = tmp_path / "ext"
    for script in scripts:
        (ext / script).parent.mkdir(parents=True, exist_ok=True)
        (ext / script).write_text("pass\n")
    (ext / "synthetic.xml").write_bytes(
        synthetic('<type type="p.T" extends="xlrelease.PythonScript"/>')
    )
    (ext / "xl-rules.xml").write_text(rules)
    return Plugin.from_source_tree(ext)


JOB = (
    '<scheduled-job name="p.Job" script="%s"><enabled conf-key="xl.p.fetching-enabled" '
    'default="true"/>'
    '<interval conf-key="xl.p.sync-interval" default="%s"/>'
    '<startup-delay conf-key="xl.p.startup-delay" default="1 second"/></scheduled-job>'
)


@pytest.mark.parametrize(
    "rules, fragment",
    [
        ("<rules/>", "root element"),
        (RULES_HEAD + JOB % ("p/Missing.py", "5 seconds") + "</rules>", "p/Missing.py"),
        (RULES_HEAD + JOB % ("p/Job.py", "soon") + "</rules>", "not a duration"),
        (
            RULES_HEAD + '<task-event type="p.T" on="start" script-property="nothing"/></rules>',
            "nothing"),
        (
            RULES_HEAD
            + '<task-event type="p.Other" on="start" script-property="scriptLocation"/></rules>',
            "not a task type",
        ),
        (
            RULES_HEAD
            + '<task-event type="p.T" on="finish" script-property="scriptLocation"/></rules>',
            "finish",
        ),
    ],
)
def test_rules_errors_are_clear(tmp_path, rules, fragment):
    with pytest.raises((PluginError, SandboxError), match=fragment):
        Server(tmp_path / "home", [plugin_with_rules(tmp_path, rules)], clock=VirtualClock(),
               rules_xsd=Path("/nonexistent"))


def test_rules_are_validated_against_the_project_schema(tmp_path):
    schema = Path(__file__).resolve().parents[2] / "schemas" / "xl-rules.xsd"
    rules = (
        RULES_HEAD
        + '<task-event type="p.T" on="start" script-property="scriptLocation" extra="1"/></rules>'
    )
    with pytest.raises(PluginError, match="xl-rules.xsd"):
        Server(
            tmp_path / "home", [plugin_with_rules(tmp_path, rules)], clock=VirtualClock(),
            rules_xsd=schema)


def test_script_paths_stay_inside_the_plugin(tmp_path):
    plugin = fixture_plugin()
    for bad in ("../secrets.py", "/etc/passwd.py", "fixture/Scripted.txt"):
        with pytest.raises(PluginError):
            plugin.read_script(bad)


def jar_from_fixture(path: Path) -> Path:
    return build_jar([FIXTURE / "ext", FIXTURE / "lib"], path)


def test_plugin_from_a_jar_in_plugins_local(tmp_path):
    home = tmp_path / "home"
    jar = jar_from_fixture(home / "plugins" / "__local__" / "fixture-plugin.jar")
    with zipfile.ZipFile(jar) as archive:
        names = set(archive.namelist())
    assert {
        "synthetic.xml", "xl-rules.xml", "fixture/Scripted.py", "fixture_lib/__init__.py"} <= names
    (plugin,) = Plugin.from_home(home)
    assert plugin.location == str(jar.resolve())
    clock = VirtualClock()
    with Server(home, [plugin], clock=clock) as server:
        _, task, _ = one_task_release(server, mode="complete")
        clock.run_due()
        assert status(server, task) == "COMPLETED"
        # The library the script imported is the jar's, not a copy elsewhere.
        assert sys.modules["fixture_lib"].__file__.startswith(str(jar.resolve()))
    assert "fixture_lib" not in sys.modules
    assert str(jar.resolve()) not in sys.path


def test_jar_library_replaces_an_already_imported_copy(tmp_path):
    # First run from the source tree, then from a jar with a changed library.
    lib = tmp_path / "lib"
    shutil.copytree(FIXTURE / "lib", lib)
    source = Plugin.from_source_tree(FIXTURE / "ext", libraries=[lib])
    clock = VirtualClock()
    with Server(tmp_path / "h1", [source], clock=clock):
        import fixture_lib
        assert fixture_lib.__file__.startswith(str(lib))
        assert not hasattr(fixture_lib, "FROM_JAR")
    (lib / "fixture_lib" / "__init__.py").write_text(
        (lib / "fixture_lib" / "__init__.py").read_text() + "\nFROM_JAR = True\n")
    jar = build_jar([FIXTURE / "ext", lib], tmp_path / "p.jar")
    with Server(tmp_path / "h2", [Plugin.from_jar(jar)], clock=VirtualClock()):
        import fixture_lib
        assert fixture_lib.FROM_JAR is True


def test_a_jar_without_synthetic_xml_is_refused(tmp_path):
    jar = tmp_path / "empty.jar"
    with zipfile.ZipFile(jar, "w") as archive:
        archive.writestr("ext/synthetic.xml", "<synthetic/>")  # not at the root
    with pytest.raises(PluginError, match="synthetic.xml at its root"):
        Plugin.from_jar(jar)
    (tmp_path / "notazip.jar").write_text("hello")
    with pytest.raises(PluginError):
        Plugin.from_jar(tmp_path / "notazip.jar")


def test_this_repository_loads_as_a_source_tree():
    repo = Path(__file__).resolve().parents[2]
    plugin = Plugin.from_repo(repo)
    registry = TypeRegistry()
    registry.load_synthetic(plugin.synthetic)
    task = registry.get("remoteCompletion.RemoteCompletionTask")
    assert task.default_script() == "remoteCompletion/StartTask.py"
    assert registry.get("remoteCompletion.ImapServer").property("password").password
    assert "remote_completion" in plugin.top_level


def test_host_provided_packages_are_not_taken_from_a_jar(tmp_path):
    import pyhocon
    host_copy = pyhocon.__file__
    fake = tmp_path / "fake"
    (fake / "pyhocon").mkdir(parents=True)
    (fake / "pyhocon" / "__init__.py").write_text(
        "raise ImportError('the Jython copy was imported')\n"
    )
    jar = build_jar([FIXTURE / "ext", FIXTURE / "lib", fake], tmp_path / "p.jar")
    with Server(tmp_path / "home", [Plugin.from_jar(jar)], clock=VirtualClock()):
        import pyhocon as again
        assert again.__file__ == host_copy
