"""Writes plugin/remote_completion/_vendor/ from third_party/jython-lib/.

The plugin carries pyhocon and pyparsing inside its own package, so that
another plugin's copy at the class path root (``pyhocon/``, ``pyparsing.py``)
can neither be taken by us nor replaced by ours.  The only change to the
pristine sources is the import lines: ``pyhocon.x`` and ``pyparsing`` become
relative (as pip does for ``pip._vendor``).  tests/foundation/test_vendor.py
checks that _vendor/ is exactly this rewrite of third_party/.

Usage: python tools/vendor.py [--check]
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO / "third_party" / "jython-lib"
TARGET = REPO / "plugin" / "remote_completion" / "_vendor"
INIT = ('"""Third-party libraries carried inside the plugin\'s own package\n'
        '(tools/vendor.py writes them from third_party/jython-lib/)."""\n')

# (pattern, replacement inside pyhocon/, replacement inside _vendor/ itself)
_RULES = (
    (re.compile(r"^(\s*)from pyhocon\.(\w+) import ", re.M), r"\1from .\2 import "),
    (re.compile(r"^(\s*)from pyhocon import ", re.M), r"\1from . import "),
    (re.compile(r"^(\s*)import pyparsing$", re.M), r"\1from .. import pyparsing"),
    (re.compile(r"^(\s*)from pyparsing import ", re.M), r"\1from ..pyparsing import "),
)


def rewrite(text: str) -> str:
    """A pyhocon module's text with its imports made relative."""
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return text


def expected() -> dict[str, bytes]:
    """Relative path under _vendor/ -> bytes it must hold."""
    files = {"__init__.py": INIT.encode("utf-8"),
             "pyparsing.py": (SOURCE / "pyparsing.py").read_bytes()}
    for path in sorted((SOURCE / "pyhocon").glob("*.py")):
        text = path.read_text(encoding="utf-8")
        files["pyhocon/" + path.name] = rewrite(text).encode("utf-8")
    return files


def actual() -> dict[str, bytes]:
    return {p.relative_to(TARGET).as_posix(): p.read_bytes()
            for p in sorted(TARGET.rglob("*.py")) if "__pycache__" not in p.parts}


def main(argv: list[str]) -> int:
    want = expected()
    if "--check" in argv:
        have = actual()
        bad = sorted(k for k in set(want) | set(have) if want.get(k) != have.get(k))
        print("differs: %s" % ", ".join(bad) if bad else "up to date")
        return 1 if bad else 0
    for stale in set(actual()) - set(want):
        (TARGET / stale).unlink()
    for rel, data in want.items():
        path = TARGET / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
