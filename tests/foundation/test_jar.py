"""The jar that build.gradle makes: the layout XL Release expects, every
script and library module in it, nothing compiled, and importable by Jython
from the jar alone."""
from __future__ import annotations

import re
import shutil
import tomllib
import zipfile
from pathlib import Path

import pytest

from tests.support import lanes

REPO = lanes.REPO
COMPILED = re.compile(r"(\.pyc$|\$py\.class$|(^|/)__pycache__(/|$))")
pytestmark = pytest.mark.gradle


def source_files(directory: Path, pattern: str = "**/*") -> dict[str, Path]:
    """Files under directory by relative path, compiled files left out."""
    found = {}
    for path in sorted(directory.glob(pattern)):
        rel = path.relative_to(directory).as_posix()
        if path.is_file() and not COMPILED.search(rel):
            found[rel] = path
    return found


def expected_entries() -> dict[str, Path]:
    expected = {"synthetic.xml": REPO / "synthetic.xml", "xl-rules.xml": REPO / "xl-rules.xml",
                "resources/logback-snippet.xml": REPO / "resources" / "logback-snippet.xml"}
    expected.update(source_files(REPO / "ext"))
    expected.update({"remote_completion/" + rel: p
                     for rel, p in source_files(REPO / "plugin" / "remote_completion").items()})
    lib = REPO / "third_party" / "jython-lib"
    expected.update(
        {"META-INF/licenses/" + rel: p for rel, p in source_files(lib / "LICENSES").items()}
    )
    return expected


@pytest.fixture(scope="module")
def entries(plugin_jar):
    with zipfile.ZipFile(plugin_jar) as jar:
        return {info.filename: jar.read(info) for info in jar.infolist() if not info.is_dir()}


def test_name_carries_the_project_version(plugin_jar):
    version = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    assert lanes.project_version() == version
    assert plugin_jar.name == f"xlr-remote-completion-plugin-{version}.jar"


def test_definitions_at_the_root_equal_the_source(entries):
    assert entries["synthetic.xml"] == (REPO / "synthetic.xml").read_bytes()
    assert entries["xl-rules.xml"] == (REPO / "xl-rules.xml").read_bytes()


def test_every_file_is_in_the_jar_unchanged(entries):
    expected = expected_entries()
    missing = sorted(set(expected) - set(entries))
    assert not missing, f"not in the jar: {missing}"
    changed = sorted(name for name, path in expected.items() if entries[name] != path.read_bytes())
    assert not changed, f"differ from the source: {changed}"


def test_nothing_else_and_nothing_compiled(entries):
    generated = {"META-INF/MANIFEST.MF", "plugin-version.properties"}
    extra = sorted(set(entries) - set(expected_entries()) - generated)
    assert not extra, f"unexpected jar entries: {extra}"
    assert not [name for name in entries if COMPILED.search(name)]


def test_scripts_named_by_the_definitions_are_at_the_root(entries):
    for script in ("remoteCompletion/StartTask.py", "remoteCompletion/ImapServer.py",
                   "remoteCompletion/FetchMail.py", "remoteCompletion/remote-completion.png"):
        assert script in entries, script
    assert "remote_completion/settings.py" in entries and "remote_completion/compat.py" in entries


def test_vendored_libraries_live_inside_the_plugins_own_package(entries):
    """Nothing at the root that another plugin's copy could collide with."""
    assert "remote_completion/_vendor/pyhocon/config_parser.py" in entries
    assert "remote_completion/_vendor/pyparsing.py" in entries
    roots = set(name.split("/", 1)[0] for name in entries)
    assert roots == {"synthetic.xml", "xl-rules.xml", "remoteCompletion", "remote_completion",
                     "resources", "META-INF", "plugin-version.properties"}, roots


def test_plugin_version_properties_at_the_root(entries):
    text = entries["plugin-version.properties"].decode("iso-8859-1")
    assert text == "plugin=xlr-remote-completion-plugin\nversion=%s\n" % lanes.project_version()


def test_manifest_names_the_version(entries):
    manifest = entries["META-INF/MANIFEST.MF"].decode()
    assert f"Implementation-Version: {lanes.project_version()}" in manifest


def test_compiled_files_in_the_tree_stay_out(tmp_path):
    """Build a copy of the tree with stray compiled files planted in it."""
    tree = tmp_path / "tree"
    tree.mkdir()
    for name in (
        "build.gradle", "settings.gradle", "gradle.properties", "synthetic.xml", "xl-rules.xml"):
        shutil.copy2(REPO / name, tree / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*$py.class")
    for name in ("ext", "plugin", "resources", "third_party"):
        shutil.copytree(REPO / name, tree / name, ignore=ignore)
    planted = [tree / "plugin" / "remote_completion" / "__pycache__" / "settings.cpython-311.pyc",
               tree / "plugin" / "remote_completion" / "settings$py.class",
               tree / "ext" / "remoteCompletion" / "StartTask.pyc",
               tree / "third_party" / "jython-lib" / "pyparsing$py.class"]
    for path in planted:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"compiled")
    jar = lanes.build_plugin_jar(tmp_path / "out", project_dir=tree)
    with zipfile.ZipFile(jar) as archive:
        names = archive.namelist()
    assert "remote_completion/settings.py" in names
    assert not [n for n in names if COMPILED.search(n)], names


@pytest.mark.jython
def test_jython_imports_everything_from_the_jar_alone(plugin_jar):
    """The jar is self-sufficient on Jython: library and vendored pyhocon come
    from it (not from plugin/ or third_party/), and settings parse."""
    script = (
        "import sys\n"
        "from remote_completion import settings, compat, logs\n"
        "s = settings.from_text('xl.remote-completion.sync-interval = 5 seconds')\n"
        "assert s.sync_interval == 5.0\n"
        "from remote_completion._vendor import pyhocon, pyparsing\n"
        "for m in (pyhocon, pyparsing, settings):\n"
        "    assert m.__file__.replace('\\\\', '/').find('.jar') >= 0, m.__file__\n"
        "assert 'pyhocon' not in sys.modules and 'pyparsing' not in sys.modules\n"
        "print('JAR-IMPORT-OK ' + pyparsing.__version__)\n")
    proc = lanes.run_jython("-c", script, python_path=[plugin_jar], source_tree=False, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "JAR-IMPORT-OK 2.4.7" in proc.stdout
