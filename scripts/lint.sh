#!/usr/bin/env bash
# Runs ruff over the repository (settings in pyproject.toml [tool.ruff]).
# plugin/ and ext/ are parsed as Python 3 here; their Python 2.7 parse is the
# Jython compile check (tests/jython/test_jython_compile.py).
# Usage: scripts/lint.sh [ruff check arguments, e.g. --statistics]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
source "$here/scripts/bootstrap.sh"
cd "$here"
"$here/.venv/bin/ruff" check "$@" .
