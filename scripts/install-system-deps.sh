#!/usr/bin/env bash
# Installs the Debian packages the test lanes use (run as root).
set -euo pipefail
pkgs="jython libbcprov-java libbcpkix-java dovecot-imapd gradle"
missing=""
for p in $pkgs; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
command -v javac >/dev/null 2>&1 || missing="$missing default-jdk-headless"
if [ -n "$missing" ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # Debian's packages start the system dovecot; the tests run their own.
  apt-get install -y -qq $missing >/dev/null
fi
