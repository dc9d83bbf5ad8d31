"""scripts/test.sh: a quick default run and the full one, which CI runs."""
from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# A Jython-lane module and a plain one: the quick run leaves out the first.
PICKED = ["tests/jython/test_jython_compile.py", "tests/unit/test_logs.py"]


def collect(*args, **env) -> str:
    environ = {k: v for k, v in os.environ.items() if k != "REQUIRE_ALL_LANES"}
    environ.update(env)
    proc = subprocess.run(["bash", "scripts/test.sh", *args, "--collect-only", "-q",
                           "-p", "no:cacheprovider", *PICKED], cwd=REPO, env=environ,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return proc.stdout + proc.stderr


def test_the_default_run_leaves_out_the_jython_gradle_and_slow_tests():
    output = collect()
    assert re.search(r"\d+/\d+ tests collected \(\d+ deselected\)", output), output[-2000:]
    assert "tests/jython/test_jython_compile.py" not in output.split("quick run", 1)[1]
    assert "scripts/test.sh --full runs everything" in output


def test_full_and_require_all_lanes_run_everything():
    for output in (collect("--full"), collect(REQUIRE_ALL_LANES="1")):
        assert "deselected" not in output, output[-2000:]
        assert "tests/jython/test_jython_compile.py::" in output


def test_ci_runs_the_full_suite_the_readme_names():
    ci = (REPO / ".ci" / "run").read_text()
    assert re.search(r"^export REQUIRE_ALL_LANES=1$", ci, re.M)
    assert re.search(r"^scripts/test\.sh --full$", ci, re.M)
    assert "scripts/test.sh --full" in (REPO / "README.md").read_text()
