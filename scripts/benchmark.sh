#!/usr/bin/env bash
# Runs the performance benchmarks (docs/performance.md): a local Dovecot, Postfix and
# aiosmtpd on loopback, the plugin measured in CPython and in Jython 2.7.3;
# about 15 minutes (--quick: a minute or two).  Needs dovecot-imapd, java and
# Jython (scripts/install-system-deps.sh).  Writes docs/performance-*.png
# unless --plots says otherwise (--quick writes none).  The plotting library
# (pyproject.toml's [bench] extra: matplotlib) is a benchmark-only
# dependency: it lives in .venv-bench, apart from the test environment
# (it brings python-dateutil, which changes how pyhocon reads durations).
# Usage: scripts/benchmark.sh [--quick] [--docs] [--json FILE] [--plots DIR] [--stages a,b]
# (--docs: the table into docs/performance.md and README.md; see --help)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
source "$here/scripts/bootstrap.sh"
cd "$here"
args=("$@")
case " $* " in
  *" --quick "*) ;;
  *)
    bench="$here/.venv-bench"
    if ! "$bench/bin/python" -c 'import matplotlib' 2>/dev/null; then
      python3 -m venv "$bench"
      "$PY" -c 'import sys, tomllib
print("\n".join(tomllib.load(open(sys.argv[1], "rb"))["project"]["optional-dependencies"]["bench"]))' \
        "$here/pyproject.toml" >"$bench/requirements.txt"
      "$bench/bin/python" -m pip install --quiet -r "$bench/requirements.txt"
    fi
    args+=(--plotter "$bench/bin/python")
    case " $* " in
      *" --plots "*) ;;
      *) args+=(--plots "$here/docs") ;;
    esac
    ;;
esac
exec "$PY" benchmarks/run.py "${args[@]}"
