#!/usr/bin/env bash
# Installs what a fresh machine lacks to build, run and test Herald (Debian packages, two PyPI SMPP libraries).
set -euo pipefail
need=()
[ -f /usr/include/sqlite3.h ] || need+=(libsqlite3-dev)
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || need+=(postgresql)
command -v curl >/dev/null 2>&1 || need+=(curl)
# A real SMTP relay for the e-mail tests (scripts/test-postfix.sh runs a private instance; the system's is not used).
[ -x /usr/sbin/postfix ] || need+=(postfix)
# A real headless browser for the dashboard's checks (scripts/dashboard-browser.sh).
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -x /usr/bin/chromedriver ] || need+=(chromium-driver)
# Time zones for quiet hours (the recipient's local time).
[ -f /usr/share/zoneinfo/America/New_York ] || need+=(tzdata)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
# Independent SMPP implementations for the conformance checks (scripts/smpp-conformance.sh).
if ! python3 -c "import smpplib, smpp.pdu" >/dev/null 2>&1; then
  echo "installing: smpplib smpp.pdu3 (PyPI)"
  python3 -m pip install -q --disable-pip-version-check "smpplib==2.2.4" "smpp.pdu3==0.6"
fi
# dkimpy (with PyNaCl for ed25519) verifies Herald's DKIM signatures independently (Tests/HeraldSMTPTests/DKIMTests.swift).
if ! python3 -c "import dkim, nacl" >/dev/null 2>&1; then
  echo "installing: dkimpy pynacl (PyPI)"
  python3 -m pip install -q --disable-pip-version-check "dkimpy==1.1.8" "pynacl==1.5.0"
fi
# dnslib answers MX queries on loopback for the direct-delivery tests (Tests/HeraldSMTPTests/DirectDeliveryTests.swift).
if ! python3 -c "import dnslib" >/dev/null 2>&1; then
  echo "installing: dnslib (PyPI)"
  python3 -m pip install -q --disable-pip-version-check "dnslib==0.9.26"
fi
# schemathesis checks every API operation's real answers against /openapi.json (scripts/api-contract.sh).
if ! python3 -c "import schemathesis" >/dev/null 2>&1; then
  echo "installing: schemathesis (PyPI)"
  python3 -m pip install -q --disable-pip-version-check "schemathesis==4.32.5"
fi
# selenium drives the headless Chromium (scripts/dashboard_browser.py).
if ! python3 -c "import selenium" >/dev/null 2>&1; then
  echo "installing: selenium (PyPI)"
  python3 -m pip install -q --disable-pip-version-check "selenium==4.51.0"
fi
