#!/usr/bin/env bash
# Runs the end-to-end demo in the sandbox (embedded SMTP and IMAP servers).
# Usage: scripts/demo.sh [--action complete|fail] [--reply] [--serve] [--out DIR]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
source "$here/scripts/bootstrap.sh"
cd "$here"
exec "$PY" -m sandbox demo "$@"
