"""Where Digital.ai's synthetic.xsd is found (sandbox/schemas.py), and what the
suite does without it: only the schema checks skip, saying how to get the
file, and REQUIRE_ALL_LANES=1 turns that skip into a failure naming it."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from sandbox import Plugin, Server, VirtualClock
from sandbox.errors import TypeSystemError
from sandbox.schemas import SYNTHETIC_XSD_ENV, schema_path, synthetic_xsd
from tests.support import lanes

REPO = Path(__file__).resolve().parents[2]


def fake_repo(tmp_path, with_shared: bool) -> Path:
    repo = tmp_path / "work" / "xlr"
    repo.mkdir(parents=True)
    if with_shared:
        shared = tmp_path / "work" / "shared" / "reference"
        shared.mkdir(parents=True)
        (shared / "synthetic.xsd").write_text("<shared/>")
    return repo


def test_the_environment_variable_wins_over_the_shared_folder(tmp_path):
    repo = fake_repo(tmp_path, with_shared=True)
    mine = tmp_path / "mine.xsd"
    mine.write_text("<mine/>")
    assert synthetic_xsd({SYNTHETIC_XSD_ENV: str(mine)}, repo) == (mine, "")


def test_without_the_variable_the_shared_folder_beside_the_repository_is_used(tmp_path):
    repo = fake_repo(tmp_path, with_shared=True)
    expected = (tmp_path / "work" / "shared" / "reference" / "synthetic.xsd").resolve()
    assert synthetic_xsd({}, repo) == (expected, "")
    assert synthetic_xsd({SYNTHETIC_XSD_ENV: "  "}, repo) == (expected, ""), "blank means unset"


def test_a_variable_pointing_nowhere_is_reported_not_replaced_by_the_fallback(tmp_path):
    repo = fake_repo(tmp_path, with_shared=True)
    missing = tmp_path / "nowhere.xsd"
    path, why = synthetic_xsd({SYNTHETIC_XSD_ENV: str(missing)}, repo)
    assert path is None
    assert "%s=%s is not a file" % (SYNTHETIC_XSD_ENV, missing) in why


def test_missing_says_how_to_get_the_file(tmp_path):
    repo = fake_repo(tmp_path, with_shared=False)
    path, why = synthetic_xsd({}, repo)
    assert path is None
    assert why.startswith("Digital.ai's synthetic.xsd is missing")
    for hint in ("XL Release ships synthetic.xsd", "Digital.ai publishes it", SYNTHETIC_XSD_ENV,
                 "../shared/reference/synthetic.xsd"):
        assert hint in why


def test_the_project_schemas_come_from_the_repository():
    assert schema_path("xl-rules.xsd") == REPO / "schemas" / "xl-rules.xsd"
    assert schema_path("no-such.xsd") is None


def test_the_lane_skips_locally_and_fails_under_require_all_lanes(tmp_path, monkeypatch):
    monkeypatch.setenv(SYNTHETIC_XSD_ENV, str(tmp_path / "nowhere.xsd"))
    verdict, why = lanes.lane_verdict("synthetic_xsd", environ={})
    assert verdict == "skip" and "synthetic.xsd is missing" in why
    verdict, why = lanes.lane_verdict("synthetic_xsd", environ={"REQUIRE_ALL_LANES": "1"})
    assert verdict == "fail"
    assert why.startswith("required lane 'synthetic_xsd' is missing: Digital.ai's synthetic.xsd")


def test_a_found_schema_runs_the_lane(tmp_path, monkeypatch):
    found = tmp_path / "synthetic.xsd"
    found.write_text("<x/>")
    monkeypatch.setenv(SYNTHETIC_XSD_ENV, str(found))
    assert lanes.lane_verdict("synthetic_xsd", environ={"REQUIRE_ALL_LANES": "1"}) == ("run", "")
    assert lanes.synthetic_xsd_path() == found


@pytest.mark.synthetic_xsd
def test_the_sandbox_validates_against_the_schema_the_variable_names(tmp_path, monkeypatch):
    monkeypatch.setenv(SYNTHETIC_XSD_ENV, str(lanes.synthetic_xsd_path()))
    ext = tmp_path / "ext"
    ext.mkdir()
    (ext / "synthetic.xml").write_text(
        '<synthetic xmlns="http://www.xebialabs.com/deployit/synthetic">'
        '<type type="p.T" extends="xlrelease.PythonScript"><property name="p" colour="red"/></type>'
        '</synthetic>')
    with pytest.raises(TypeSystemError, match="does not match synthetic.xsd"):
        Server(tmp_path / "home", [Plugin.from_source_tree(ext)], clock=VirtualClock())


# A schema check and a test that builds a sandbox Server, run as a fresh
# clone would run them: the schema missing (the variable points nowhere).
PICKED = ["tests/foundation/test_synthetic.py::test_valid_against_synthetic_xsd",
          "tests/sandbox/test_sandbox_lifecycle.py"]


def run_pytest(tmp_path, **env) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k != "REQUIRE_ALL_LANES"}
    environ.update({SYNTHETIC_XSD_ENV: str(tmp_path / "nowhere.xsd"), **env})
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "-o", "addopts=-ra", *PICKED], cwd=REPO, env=environ,
                          capture_output=True, text=True, timeout=300)


def test_without_the_schema_only_its_checks_skip(tmp_path):
    proc = run_pytest(tmp_path)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert " 1 skipped" in proc.stdout and " failed" not in proc.stdout, proc.stdout[-3000:]
    summary = proc.stdout.splitlines()[-1]
    assert " passed" in summary and "error" not in summary, proc.stdout[-3000:]
    assert "XL Release ships synthetic.xsd" in proc.stdout


def test_without_the_schema_require_all_lanes_fails_naming_it(tmp_path):
    proc = run_pytest(tmp_path, REQUIRE_ALL_LANES="1")
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "required lane 'synthetic_xsd' is missing: Digital.ai's synthetic.xsd" in proc.stdout
    assert " 1 error" in proc.stdout.splitlines()[-1], proc.stdout[-3000:]


# Reaching for the folder beside the repository (or this machine's copy of it).
BESIDE = re.compile(r"""["']shared["']|\.\./shared|/work/shared|parents\[3\]""")


def test_only_the_lookup_reaches_beside_the_repository():
    """A clone without ../shared/ must run everything but the schema checks:
    nothing but sandbox/schemas.py may read that folder."""
    allowed = {REPO / "sandbox" / "schemas.py", Path(__file__).resolve()}
    files = [p for top in ("plugin", "ext", "sandbox", "tests", "benchmarks", "tools", "scripts")
             for p in (REPO / top).rglob("*") if p.suffix in (".py", ".sh")]
    files += [REPO / ".ci" / "run"]
    offenders = []
    for path in files:
        if path in allowed or not path.is_file():
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace")
                                      .splitlines(), 1):
            code = line.split("#", 1)[0]  # comments may mention it
            if BESIDE.search(code):
                offenders.append("%s:%d: %s" % (path.relative_to(REPO), number, line.strip()))
    assert not offenders, "\n".join(offenders)
