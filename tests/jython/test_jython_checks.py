"""The Jython lane: every check in tests/jython/checks/check_*.py runs on real
Jython 2.7.3 in ONE JVM (module-scoped), each reported as its own test.

Adding a check module needs no change here. A module that sets REQUIRES
(a service its own pytest module starts) is left to that module, which runs
it with lanes.run_jython_checks([...], context={...})."""
from __future__ import annotations

import pytest

from tests.support import lanes

DISCOVERED = lanes.discover_jython_checks()
GENERIC = {m: info for m, info in DISCOVERED.items() if not info["requires"]}
CHECKS = [(module, name) for module, info in GENERIC.items() for name in info["checks"]]


@pytest.fixture(scope="module")
def run():
    ok, why = lanes.jython_available()
    if not ok:
        pytest.skip(why)
    return lanes.run_jython_checks(sorted(GENERIC))


@pytest.mark.jython
@pytest.mark.parametrize("module,name", CHECKS, ids=[f"{m}.{n}" for m, n in CHECKS])
def test_check(run, module, name):
    failure = run.failure(module, name)
    assert failure is None, failure


@pytest.mark.jython
def test_runner_ran_every_check(run):
    assert run.summary is not None, run.output_tail()
    ran = {(r["module"], r["name"]) for r in run.summary["results"]}
    assert ran == set(CHECKS), run.output_tail()
    assert run.summary["total"] == len(CHECKS) > 0
    assert run.summary["platform"].startswith("java") and run.summary["python"].startswith("2.7")
    imports = [r for r in run.summary["results"] if r["name"] == "<import>"]
    assert not imports, imports
    assert (run.proc.returncode == 0) == (run.summary["failed"] == 0)


@pytest.mark.jython
def test_runner_reports_failures_and_context(tmp_path, monkeypatch):
    """The runner can fail: a failing check, a module that does not import,
    and the context handed to a one-argument check."""
    checks = tmp_path / "checks"
    checks.mkdir()
    (checks / "check_demo.py").write_text(
        "def check_passes():\n    assert 1 + 1 == 2\n\n"
        "def check_fails():\n    assert 'a' == 'b', 'different'\n\n"
        "def check_context(ctx):\n    assert ctx['port'] == 1143\n\n"
        "def helper():\n    raise AssertionError('not a check')\n")
    (checks / "check_broken.py").write_text("import no_such_module_anywhere\n")
    runner = tmp_path / "run_checks.py"
    runner.write_text((lanes.JYTHON_RUNNER).read_text())
    monkeypatch.setattr(lanes, "JYTHON_RUNNER", runner)
    result = lanes.run_jython_checks(["check_demo", "check_broken"], context={"port": 1143})
    assert result.summary["total"] == 4 and result.summary["failed"] == 2, result.output_tail()
    assert result.failure("check_demo", "check_passes") is None
    assert result.failure("check_demo", "check_context") is None
    assert "different" in result.failure("check_demo", "check_fails")
    assert "no_such_module_anywhere" in result.failure("check_broken", "<import>")
    assert result.proc.returncode == 1
    assert lanes.discover_jython_checks(checks)["check_demo"]["checks"] == [
        "check_passes", "check_fails", "check_context"]
