#!/usr/bin/env bash
# Runs the whole test suite: CPython unit and sandbox tests, the Dovecot
# integration lane, the Jython 2.7.3 lane and the jar checks.
# Needs Debian's jython, libbcprov-java, libbcpkix-java, dovecot-imapd and
# gradle (scripts/install-system-deps.sh installs them as root), and
# Digital.ai's synthetic.xsd for the schema checks (XLR_SYNTHETIC_XSD, else
# ../shared/reference/synthetic.xsd); set REQUIRE_ALL_LANES=1 to turn a
# missing one into a failure instead of a skip.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
source "$here/scripts/bootstrap.sh"
cd "$here"
set +e
"$PY" -m pytest "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure" >&2
  exit 1
fi
exit "$rc"
