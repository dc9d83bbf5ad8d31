#!/usr/bin/env bash
# Creates .venv (once) and installs the project's Python packages into it.
# Sourced by scripts/demo.sh and scripts/test.sh; quiet when all is there.
# The project itself is not pip-installed (an editable install warns, a copy
# would go stale): pyproject.toml's dependencies are installed and a .pth
# file puts this checkout on the venv's path.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$here/.venv"
stamp="$venv/.installed-$(cat "$here/pyproject.toml" "$here/scripts/bootstrap.sh" \
  | sha256sum | cut -c1-16)"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
if [ ! -f "$stamp" ]; then
  "$venv/bin/python" -m pip install --quiet --upgrade pip >/dev/null
  # A venv made by an older bootstrap holds an editable install: drop it.
  "$venv/bin/python" -m pip uninstall --quiet --yes xlr-remote-completion >/dev/null 2>&1 || true
  "$venv/bin/python" - "$here/pyproject.toml" >"$venv/requirements.txt" <<'EOF'
import sys, tomllib
project = tomllib.load(open(sys.argv[1], "rb"))["project"]
print("\n".join(project["dependencies"] + project["optional-dependencies"]["test"]))
EOF
  "$venv/bin/python" -m pip install --quiet -r "$venv/requirements.txt"
  site="$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
  echo "$here" >"$site/xlr-remote-completion.pth"
  rm -f "$venv"/.installed-* && touch "$stamp"
fi
PY="$venv/bin/python"
