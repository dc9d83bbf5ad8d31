#!/usr/bin/env bash
# Creates .venv (once) and installs the project's Python packages into it.
# Sourced by scripts/demo.sh and scripts/test.sh; quiet when all is there.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$here/.venv"
stamp="$venv/.installed-$(sha256sum "$here/pyproject.toml" | cut -c1-16)"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
if [ ! -f "$stamp" ]; then
  "$venv/bin/python" -m pip install --quiet --upgrade pip >/dev/null
  "$venv/bin/python" -m pip install --quiet -e "$here[test]"
  rm -f "$venv"/.installed-* && touch "$stamp"
fi
PY="$venv/bin/python"
