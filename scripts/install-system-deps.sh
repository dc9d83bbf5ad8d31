#!/usr/bin/env bash
# Installs the Debian packages the test lanes use (run as root):
#   jython + BouncyCastle (Jython's ssl)  - the Jython 2.7.3 lane
#   dovecot-imapd                         - the real IMAP server lane
#   gradle (4.4.1) + a JDK with javac     - the jar build and the Java fixtures
#   chromium                              - the sandbox task page in a real browser
#   postfix                               - a real SMTP relay (tests, benchmark)
# Quiet and quick when everything is there already.
set -euo pipefail
pkgs="jython libbcprov-java libbcpkix-java dovecot-imapd gradle chromium postfix"
missing=""
for p in $pkgs; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
command -v javac >/dev/null 2>&1 || missing="$missing default-jdk-headless"
if [ -n "$missing" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing:$missing; run this script as root (or with sudo) to install them" >&2
    exit 1
  fi
  echo "installing:$missing" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # Debian's packages start the system dovecot and postfix; the tests run
  # their own. Postfix's installer asks how to configure it: not at all.
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  apt-get install -y -qq $missing >/dev/null
fi
