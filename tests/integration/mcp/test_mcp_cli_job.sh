#!/bin/sh
# A job whose model calls MCP tools: the toolorch CLI with "mcp_servers" in
# its config (the official reference server over stdio), the in-process
# scripted LLM asking for six calls in one response. Checks the answer saw
# every result, each call ended well, and the long operation's progress
# reached the CLI's lines.
# Usage: test_mcp_cli_job.sh TOOLORCH_CLI NODE
set -eu
cli=$1 node=$2
here=$(cd "$(dirname "$0")" && pwd)
server=$here/node_modules/@modelcontextprotocol/server-everything/dist/index.js
[ -r "$server" ] || { echo "missing $server: run npm ci in $here" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
unset OPENAI_API_KEY ANTHROPIC_API_KEY
cat > "$work/config.json" <<JSON
{
  "llm": {"protocol": "openai", "model": "m"},
  "options": {"max_parallel_tools": 16, "tool_timeout_ms": 20000},
  "mcp_servers": [{"name": "everything", "command": ["$node", "$server", "stdio"],
                   "tools": ["echo", "get-sum", "trigger-long-running-operation"], "side_effect_free": ["echo"]}],
  "mock_script": {"rounds": [
    {"tool_calls": [{"name": "echo", "arguments": {"message": "a"}}, {"name": "echo", "arguments": {"message": "b"}},
                    {"name": "echo", "arguments": {"message": "c"}}, {"name": "get-sum", "arguments": {"a": 1, "b": 2}},
                    {"name": "get-sum", "arguments": {"a": 3, "b": 4}},
                    {"name": "trigger-long-running-operation", "arguments": {"duration": 0.6, "steps": 2}}]},
    {"text": "Got {tool_result_count} results: {tool_results}"}]}
}
JSON
"$cli" run --config "$work/config.json" "use the tools" > "$work/out" 2> "$work/err" || {
  echo "the CLI failed:" >&2; cat "$work/err" >&2; exit 1; }
fail() { echo "FAIL: $*" >&2; echo "--- stdout" >&2; cat "$work/out" >&2; echo "--- stderr" >&2; cat "$work/err" >&2; exit 1; }
grep -q "Got 6 results" "$work/out" || fail "the answer did not see 6 results"
for want in "Echo: a" "Echo: b" "Echo: c" "The sum of 1 and 2 is 3." "The sum of 3 and 4 is 7." "Long running operation completed"; do
  grep -qF "$want" "$work/out" || fail "no \"$want\" in the answer"
done
[ "$(grep -c '^\[end\].*status=succeeded' "$work/err")" -eq 6 ] || fail "not 6 succeeded calls"
[ "$(grep -c '^\[prog\]  trigger-long-running-operation .* [12]/2' "$work/err")" -eq 2 ] || fail "not 2 progress lines"
echo "ok: 6 MCP calls in one job, progress shown"
