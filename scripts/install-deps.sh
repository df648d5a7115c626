#!/usr/bin/env bash
# Install what building and testing toolorch needs, from Debian's packages
# (and the npm registry for the SDK fidelity check). Safe to run again.
# clang: the libFuzzer targets (scripts/fuzz.sh); abigail-tools: abidw and
# abidiff for the ABI check (scripts/abi-check.sh).
set -euo pipefail
packages=(build-essential cmake pkg-config git
  libcurl4-openssl-dev libevent-dev libcjson-dev libhiredis-dev libcmocka-dev
  redis-server
  clang abigail-tools
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
# The providers' official SDKs, for the scripted server's fidelity test.
sdk="$(dirname "$0")/../tests/integration/sdk_fidelity"
if [ -f "$sdk/package.json" ] && [ ! -d "$sdk/node_modules" ]; then
  (cd "$sdk" && npm ci --no-audit --no-fund --loglevel=error)
fi
