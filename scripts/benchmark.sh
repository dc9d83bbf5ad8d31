#!/usr/bin/env bash
# Runs the performance benchmarks (docs/performance.md): a local Dovecot and
# aiosmtpd on loopback, the plugin measured in CPython and in Jython 2.7.3;
# about 10 minutes (--quick: about 1).  Needs dovecot-imapd, java and
# Jython (scripts/install-system-deps.sh).  Writes the plots into docs/
# unless --plots says otherwise; matplotlib is a benchmark-only dependency
# (the [bench] extra), installed here on first use.
# Usage: scripts/benchmark.sh [--quick] [--json FILE] [--plots DIR] [--stages a,b]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
source "$here/scripts/bootstrap.sh"
cd "$here"
if ! "$PY" -c 'import matplotlib' 2>/dev/null; then
  # pyproject.toml's [bench] extra, the way bootstrap.sh installs the others.
  "$PY" -c 'import sys, tomllib
print("\n".join(tomllib.load(open(sys.argv[1], "rb"))["project"]["optional-dependencies"]["bench"]))' \
    "$here/pyproject.toml" >"$here/.venv/requirements-bench.txt"
  "$PY" -m pip install --quiet -r "$here/.venv/requirements-bench.txt"
fi
args=("$@")
case " $* " in
  *" --plots "* | *" --quick "*) ;;   # quick figures never replace the docs' plots
  *) args+=(--plots "$here/docs") ;;
esac
exec "$PY" benchmarks/run.py "${args[@]}"
