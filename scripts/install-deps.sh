#!/usr/bin/env bash
# Install what building and testing toolorch needs, from Debian's packages
# (and the npm registry for the SDK fidelity check). Safe to run again.
# clang: the libFuzzer targets (scripts/fuzz.sh); abigail-tools: abidw and
# abidiff for the ABI check (scripts/abi-check.sh).
set -euo pipefail
# prometheus: only its promtool is used (the metrics tests run
# `promtool check metrics`); its service is not started by the tests.
packages=(build-essential cmake pkg-config git
  libcurl4-openssl-dev libevent-dev libcjson-dev libhiredis-dev libcmocka-dev libzstd-dev
  redis-server
  clang abigail-tools
  prometheus
  swig golang-go ruby-dev ruby-minitest default-jdk-headless junit4 libhamcrest-java)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js may come from elsewhere than Debian (a newer build with its own
# npm, which Debian's npm package conflicts with): ask for the commands.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# npm packages the tests run, each folder from its committed lock file: the
# providers' official SDKs (the scripted server's fidelity test) and the
# official MCP reference server (the MCP integration tests).
for dir in tests/integration/sdk_fidelity tests/integration/mcp; do
  d="$(dirname "$0")/../$dir"
  if [ -f "$d/package-lock.json" ] && [ ! -d "$d/node_modules" ]; then
    (cd "$d" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done
