#!/usr/bin/env bash
# Runs sdk_check.mjs (the official OpenAI and Anthropic SDKs) against a
# toolorch-mockllm started here on a free loopback port.
#   test_sdk_fidelity.sh /path/to/toolorch-mockllm
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
server="${1:?usage: test_sdk_fidelity.sh /path/to/toolorch-mockllm}"

if ! command -v node >/dev/null 2>&1; then
  echo "FAIL: node is not installed (apt-get install nodejs npm), then run 'npm ci' in $here" >&2
  exit 1
fi
if [ ! -d "$here/node_modules/openai" ] || [ ! -d "$here/node_modules/@anthropic-ai/sdk" ] ||
   [ ! -d "$here/node_modules/@google/genai" ]; then
  echo "FAIL: $here/node_modules is missing: run 'npm ci' in $here first" >&2
  exit 1
fi

tmp="$(mktemp -d)"
pid=""
cleanup() {
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

"$server" --port-file "$tmp/port" >"$tmp/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 200); do  # up to ~10 s
  [ -s "$tmp/port" ] && break
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "FAIL: toolorch-mockllm exited before listening:" >&2
    cat "$tmp/server.log" >&2
    exit 1
  fi
  sleep 0.05
done
if [ ! -s "$tmp/port" ]; then
  echo "FAIL: toolorch-mockllm did not write its port file" >&2
  exit 1
fi
port="$(cat "$tmp/port")"
node "$here/sdk_check.mjs" "http://127.0.0.1:$port"
rc=$?

# The server must stop cleanly on SIGTERM (under ASan a leak makes it exit non-zero).
kill -TERM "$pid"
wait "$pid"
server_rc=$?
pid=""
if [ "$server_rc" -ne 0 ]; then
  echo "FAIL: toolorch-mockllm exited with status $server_rc on SIGTERM:" >&2
  cat "$tmp/server.log" >&2
  exit 1
fi
exit "$rc"
