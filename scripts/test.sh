#!/usr/bin/env bash
# Runs the test suite: CPython unit and sandbox tests, the Dovecot
# integration lane, the Jython 2.7.3 lane and the jar checks.
# Usage: scripts/test.sh [--full] [pytest arguments]
#   default  the quick run: all but the Jython JVMs, the gradle jar build and
#            the slow fault-injection runs (markers jython, gradle, slow)
#   --full   everything; CI runs this (.ci/run). REQUIRE_ALL_LANES=1 implies it.
# Needs Debian's jython, libbcprov-java, libbcpkix-java, dovecot-imapd, gradle
# and chromium (scripts/install-system-deps.sh installs them as root), and
# Digital.ai's synthetic.xsd for the schema checks (XLR_SYNTHETIC_XSD, else
# ../shared/reference/synthetic.xsd); set REQUIRE_ALL_LANES=1 to turn a
# missing one into a failure instead of a skip.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
full=0
if [ "${1:-}" = "--full" ]; then
  full=1
  shift
fi
if [ "${REQUIRE_ALL_LANES:-}" = "1" ]; then
  full=1  # every lane required means every lane runs
fi
source "$here/scripts/bootstrap.sh"
cd "$here"
select=()
if [ "$full" -eq 0 ]; then
  select=(-m "not slow and not jython and not gradle")
  echo "quick run: without the jython, gradle and slow tests;" \
       "scripts/test.sh --full runs everything (as CI does)" >&2
fi
set +e
"$PY" -m pytest "${select[@]}" "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure" >&2
  if [ "$full" -eq 0 ]; then
    echo "(the quick run leaves out jython, gradle and slow tests: add --full)" >&2
  fi
  exit 1
fi
exit "$rc"
