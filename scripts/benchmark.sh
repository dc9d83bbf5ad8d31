#!/usr/bin/env bash
# Runs the performance benchmarks (docs/performance.md) against a local
# Dovecot and aiosmtpd on loopback; a few minutes.  Needs dovecot-imapd
# (scripts/install-system-deps.sh).
# Usage: scripts/benchmark.sh [--quick] [--json FILE]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
source "$here/scripts/bootstrap.sh"
cd "$here"
exec "$PY" benchmarks/run.py "$@"
