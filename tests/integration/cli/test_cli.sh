#!/bin/sh
# Runs the built `toolorch` CLI against its in-process scripted LLM server.
#   test_cli.sh CASE CLI_BINARY SOURCE_DIR
# Each CASE checks the exit status, stdout and stderr of one run.
set -u
case_name=$1
cli=$2
src=$3
here=$src/tests/integration/cli
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
# No key: the CLI must use its own scripted server.
unset OPENAI_API_KEY ANTHROPIC_API_KEY GEMINI_API_KEY GOOGLE_API_KEY

fail() {
  echo "FAIL ($case_name): $*"
  echo "--- stdout"; cat "$out"
  echo "--- stderr"; cat "$err"
  exit 1
}
run() {
  "$cli" run "$@" >"$out" 2>"$err"
  rc=$?
}
count() { grep -c "$1" "$2"; }

case $case_name in
example)
  run --config "$src/examples/agent.json" "Research X using the tools in parallel, then answer"
  [ "$rc" -eq 0 ] || fail "exit status $rc"
  grep -q "no API key: using the scripted LLM server at http://127.0.0.1:" "$err" || fail "no notice of the scripted server"
  [ "$(count '^\[start\] research id=' "$err")" -eq 50 ] || fail "not 50 start lines"
  [ "$(count '^\[end\]   research id=.* status=succeeded [0-9]* ms$' "$err")" -eq 50 ] || fail "not 50 end lines"
  grep -q "max running at once: 50$" "$err" || fail "not 50 running at once"
  grep -q "50 results" "$out" || fail "the answer does not mention 50 results"
  ;;
anthropic_no_stream)
  run --config "$src/examples/agent.json" --provider anthropic --no-stream --eager off "Research X"
  [ "$rc" -eq 0 ] || fail "exit status $rc"
  grep -q "50 results" "$out" || fail "the answer does not mention 50 results"
  ;;
speculate)
  # The scripted server plays the speculation model too, with the main
  # script: it never calls predict_calls, so each guess request fails —
  # counted, and the job's answer is unchanged.
  run --config "$src/examples/agent.json" --speculate model "Research X"
  [ "$rc" -eq 0 ] || fail "exit status $rc"
  grep -q "50 results" "$out" || fail "the answer does not mention 50 results"
  grep -q "^toolorch: speculation: 0 guesses, 0 hits, 0 cancelled, 0 wasted (0 ms of tool time), dropped: none, time saved 0 ms, source failures [0-2]$" "$err" ||
    fail "no speculation summary line"
  run --config "$src/examples/agent.json" --speculate history "Research X"
  [ "$rc" -eq 0 ] || fail "exit status $rc (history)"
  grep -q "^toolorch: speculation: 0 guesses, 0 hits" "$err" || fail "no summary (history)"
  run --config "$src/examples/agent.json" --speculate dice "Research X"
  [ "$rc" -eq 2 ] || fail "exit status $rc for a bad --speculate"
  grep -q "speculate must be model, history or off" "$err" || fail "no reason for a bad --speculate"
  ;;
responses|gemini)
  # The two newer protocols, through the same scripted server, streamed and not.
  provider=$case_name
  [ "$provider" = responses ] && provider=openai-responses
  run --config "$src/examples/agent.json" --provider "$provider" "Research X"
  [ "$rc" -eq 0 ] || fail "exit status $rc"
  grep -q "50 results" "$out" || fail "the answer does not mention 50 results"
  run --config "$src/examples/agent.json" --provider "$provider" --no-stream "Research X"
  [ "$rc" -eq 0 ] || fail "exit status $rc (not streamed)"
  grep -q "50 results" "$out" || fail "the answer does not mention 50 results (not streamed)"
  ;;
unknown_key)
  run --config "$here/unknown_key.json" "q"
  [ "$rc" -eq 2 ] || fail "exit status $rc, not 2"
  grep -q 'tools\[0\]: unknown key "timeout"' "$err" || fail "the key is not named"
  [ ! -s "$out" ] || fail "something on stdout"
  ;;
bad_json)
  printf '{"llm": {' >"$out.cfg"
  run --config "$out.cfg" "q"
  rm -f "$out.cfg"
  [ "$rc" -eq 2 ] || fail "exit status $rc, not 2"
  grep -q "not valid JSON" "$err" || fail "no reason given"
  ;;
trailing_garbage)
  # The object is complete, then garbage: an error naming line and column.
  printf '{"comment": "x"}\n\n  oops\n' >"$out.cfg"
  run --config "$out.cfg" "q"
  rm -f "$out.cfg"
  [ "$rc" -eq 2 ] || fail "exit status $rc, not 2"
  grep -q "trailing characters .*line 3, column 3" "$err" || fail "the place was not named"
  ;;
duplicate_key)
  # Which of two "max_rounds" wins would be a silent guess: an error by path.
  printf '{"job": {"max_rounds": 1, "max_rounds": 9}}\n' >"$out.cfg"
  run --config "$out.cfg" "q"
  rm -f "$out.cfg"
  [ "$rc" -eq 2 ] || fail "exit status $rc, not 2"
  grep -q 'duplicate key at \$\.job\.max_rounds' "$err" || fail "the key's path was not named"
  ;;
failing_tool)
  run --config "$here/failing_tool.json" "q"
  [ "$rc" -eq 0 ] || fail "exit status $rc"
  grep -q '^\[end\]   flaky id=.* status=failed' "$err" || fail "the call did not fail"
  grep -q "The tool said: .*HTTP 500" "$out" || fail "the error did not reach the model"
  ;;
command_tool)
  run --config "$here/command_tool.json" "q"
  [ "$rc" -eq 0 ] || fail "exit status $rc"
  grep -q '^\[end\]   cat id=.* status=succeeded' "$err" || fail "cat did not succeed"
  grep -q '^\[end\]   fails id=.* status=failed' "$err" || fail "the failing command did not fail"
  grep -q '"hello":"world"' "$out" || fail "cat's output did not reach the model"
  grep -q 'command exited with status 3: broken' "$out" || fail "the exit status did not reach the model"
  ;;
job_failure)
  run --config "$here/job_failure.json" "q"
  [ "$rc" -eq 1 ] || fail "exit status $rc, not 1"
  grep -q "the job failed" "$err" || fail "no failure message"
  grep -q "bad model" "$err" || fail "the provider's message is missing"
  ;;
json)
  run --config "$src/examples/agent.json" --json "Research X"
  [ "$rc" -eq 0 ] || fail "exit status $rc"
  node -e '
    const t = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    if (!Array.isArray(t)) throw new Error("not an array");
    const calls = t.filter(m => m.role === "assistant" && m.tool_calls).flatMap(m => m.tool_calls);
    const results = t.filter(m => m.role === "tool");
    if (calls.length !== 50) throw new Error("calls: " + calls.length);
    if (results.length !== 50) throw new Error("results: " + results.length);
    const last = t[t.length - 1];
    if (last.role !== "assistant" || !/50 results/.test(last.content)) throw new Error("last: " + JSON.stringify(last));
  ' "$out" 2>>"$err" || fail "the transcript is not the expected JSON"
  ;;
observability)
  # Metrics file and endpoint, JSON logs, and traces to a collector that is
  # not there: the run still ends normally.
  metrics=$(mktemp)
  run --config "$src/examples/agent.json" --metrics-file "$metrics" --metrics-listen 127.0.0.1:0 --log-json \
      --otlp-endpoint http://127.0.0.1:9 --trace-sample 1 "Research X"
  [ "$rc" -eq 0 ] || { rm -f "$metrics"; fail "exit status $rc"; }
  grep -q 'toolorch_tools_total{tool_name="research",status="succeeded"} 50$' "$metrics" || { rm -f "$metrics"; fail "no count of 50 calls"; }
  grep -q 'toolorch_duration_seconds_count{operation="job"} 1$' "$metrics" || { rm -f "$metrics"; fail "no job duration"; }
  promtool check metrics <"$metrics" >>"$err" 2>&1 || { rm -f "$metrics"; fail "promtool rejects the metrics file"; }
  rm -f "$metrics"
  grep -q "metrics at http://127.0.0.1:0/metrics (port [1-9]" "$err" || fail "no metrics endpoint notice"
  grep -q '^{"level":"info","msg":"job finished"' "$err" || fail "no JSON log line for the job"
  grep '^{"level"' "$err" | node -e '
    const lines = require("fs").readFileSync(0, "utf8").trim().split("\n");
    for (const l of lines) { const o = JSON.parse(l); if (!o.level || !o.msg) throw new Error(l); }
  ' 2>>"$err" || fail "a log line is not a JSON object"
  ;;
observability_bad_key)
  printf '{"observability": {"metrics_port": 1}}' >"$out.cfg"
  run --config "$out.cfg" "q"
  rm -f "$out.cfg"
  [ "$rc" -eq 2 ] || fail "exit status $rc, not 2"
  grep -q 'observability: unknown key "metrics_port"' "$err" || fail "the key is not named"
  ;;
*)
  echo "unknown case $case_name"
  exit 2
  ;;
esac
echo "ok ($case_name)"
