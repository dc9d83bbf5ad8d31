"""Project rule for the library under plugin/ (it runs on Jython 2.7 and
CPython 3): every module with code starts with
``from __future__ import absolute_import, unicode_literals``, so text and
imports mean the same on both. (Syntax of plugin/ and ext/ is checked on real
Jython by tests/jython/test_jython_compile.py.)"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# _vendor/ holds third-party code as written (tests/foundation/test_vendor.py).
FILES = sorted(p for p in (REPO / "plugin").rglob("*.py")
               if "__pycache__" not in p.parts and "_vendor" not in p.parts)


def future_imports(tree: ast.Module) -> set[str]:
    names = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            names.update(alias.name for alias in node.names)
    return names


def has_code(tree: ast.Module) -> bool:
    body = tree.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring
    return bool(body)


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(REPO)) for p in FILES])
def test_future_imports(path):
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    if not has_code(tree):
        return
    missing = {"absolute_import", "unicode_literals"} - future_imports(tree)
    assert not missing, (
        f"{path.relative_to(REPO)} lacks from __future__ import {', '.join(sorted(missing))}"
    )


def test_rule_finds_files():
    assert any(p.name == "settings.py" for p in FILES)
    assert future_imports(ast.parse("from __future__ import absolute_import\n")) == {
        "absolute_import"
    }
    assert not has_code(ast.parse('"""Only a docstring."""\n'))
