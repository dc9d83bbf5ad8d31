"""Every file under plugin/ and ext/ compiles as Python 2.7 on real Jython 2.7.3
(f-strings, annotations, nonlocal, keyword-only arguments... all fail here)."""
from __future__ import annotations

import json

import pytest

from tests.support import lanes

REPO = lanes.REPO
PREFIX = "JYTHON_COMPILE_SUMMARY "


def python_files() -> list[str]:
    files = []
    for top in ("plugin", "ext"):
        files += [
            str(p) for p in sorted((REPO / top).rglob("*.py")) if "__pycache__" not in p.parts
        ]
    return files


def compile_on_jython(tmp_path, files):
    proc = lanes.run_jython(
        str(REPO / "tests" / "jython" / "compile_all.py"), str(tmp_path), *files
    )
    lines = [l for l in proc.stdout.splitlines() if l.startswith(PREFIX)]
    assert lines, (
        f"no summary (rc={proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    )
    return json.loads(lines[-1][len(PREFIX):])


@pytest.mark.jython
def test_plugin_and_ext_compile_as_python_27(tmp_path):
    files = python_files()
    assert any(f.endswith("settings.py") for f in files)
    summary = compile_on_jython(tmp_path, files)
    assert summary["errors"] == {}, "\n".join(f"{k}: {v}" for k, v in summary["errors"].items())
    assert summary["compiled"] == len(files)


@pytest.mark.jython
def test_python3_only_syntax_is_refused(tmp_path):
    """The lane can fail: Python 3-only code is reported, valid code is not."""
    bad = {
        "fstring.py": "x = 1\ny = f'{x}'\n",
        "annotation.py": "def f(a: int) -> int:\n    return a\n",
        "kwonly.py": "def f(*, a):\n    return a\n",
        "nonlocal_.py": "def f():\n    a = 1\n    def g():\n        nonlocal a\n    return g\n"}
    src = tmp_path / "src"
    src.mkdir()
    for name, text in bad.items():
        (src / name).write_text(text)
    (src / "good.py").write_text("from __future__ import print_function\nprint('ok', end='')\n")
    out = tmp_path / "out"
    out.mkdir()
    summary = compile_on_jython(out, [str(p) for p in sorted(src.iterdir())])
    assert sorted(k.rsplit("/", 1)[1] for k in summary["errors"]) == sorted(bad)
    assert summary["compiled"] == 1
