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
  [ "$(count '^\[end\]   research id=.* status=succeeded attempts=1 run=[0-9]*ms wait=[0-9]*ms$' "$err")" -eq 50 ] || fail "not 50 end lines"
  grep -q "max running at once: 50$" "$err" || fail "not 50 running at once"
  grep -q "^toolorch: answered in [0-9.]* s$" "$err" || fail "no closing summary"
  grep -q "^toolorch: calls: 50 (50 succeeded, 0 failed, 0 cancelled, 0 timed out)" "$err" || fail "no calls by status"
  grep -q "^toolorch: time: LLM [0-9.]* s in 2 requests; tools [0-9.]* s over [0-9.]* s running: parallel speed-up [0-9.]*x$" "$err" ||
    fail "no times in the summary"
  grep -q "^toolorch: tokens: [1-9][0-9]* in (0 cache read, 0 cache write), [1-9][0-9]* out$" "$err" || fail "no tokens"
  grep -q "50 results" "$out" || fail "the answer does not mention 50 results"
  # The text of each round streams to stdout, a line each, the answer last.
  [ "$(sed -n 1p "$out")" = "I will research the 50 parts at once." ] || fail "round 1's text is not on its own line"
  [ "$(wc -l <"$out")" -eq 2 ] || fail "stdout is not two lines"
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
  grep -q 'tools\[0\]: unknown key "timeout" (did you mean "timeout_ms"?)$' "$err" || fail "the key is not named"
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
  grep -q '^\[end\]   flaky id=.* status=failed attempts=1 run=[0-9]*ms wait=[0-9]*ms: HTTP 500: {"why":"broken on purpose"}$' "$err" ||
    fail "the call's end line has no reason"
  grep -q "The tool said: .*HTTP 500" "$out" || fail "the error did not reach the model"
  ;;
command_tool)
  run --config "$here/command_tool.json" "q"
  [ "$rc" -eq 0 ] || fail "exit status $rc"
  grep -q '^\[end\]   cat id=.* status=succeeded' "$err" || fail "cat did not succeed"
  grep -q '^\[end\]   fails id=.* status=failed attempts=1 .*: command exited with status 3: broken$' "$err" ||
    fail "the failing command did not fail with its reason"
  grep -q '"hello":"world"' "$out" || fail "cat's output did not reach the model"
  grep -q 'command exited with status 3: broken' "$out" || fail "the exit status did not reach the model"
  ;;
job_failure)
  run --config "$here/job_failure.json" "q"
  [ "$rc" -eq 1 ] || fail "exit status $rc, not 1"
  grep -q "the job failed" "$err" || fail "no failure message"
  grep -q "bad model" "$err" || fail "the provider's message is missing"
  grep -q "^toolorch: failed in [0-9.]* s$" "$err" || fail "no summary of a failed job"
  # jsonl: the failure is an object too, and the summary still comes last.
  run --config "$here/job_failure.json" --progress jsonl "q"
  [ "$rc" -eq 1 ] || fail "exit status $rc, not 1 (jsonl)"
  python3 - "$err" <<'PY' >>"$out" 2>&1 || fail "jsonl of a failed job"
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1]).read().splitlines()]
assert objs[-1]["event"] == "summary" and objs[-1]["status"] == "failed" and objs[-1]["exit_code"] == 1, objs[-1]
assert any(o.get("event") == "error" and "bad model" in o["message"] for o in objs)
PY
  ;;
json)
  run --config "$src/examples/agent.json" --json "Research X"
  [ "$rc" -eq 0 ] || fail "exit status $rc"
  python3 - "$out" 2>>"$err" <<'PY' || fail "the JSON output is not as expected"
import json, sys
o = json.load(open(sys.argv[1]))
t = o["transcript"]
assert isinstance(t, list), "transcript not an array"
calls = [c for m in t if m.get("role") == "assistant" and m.get("tool_calls") for c in m["tool_calls"]]
assert len(calls) == 50, len(calls)
assert len([m for m in t if m.get("role") == "tool"]) == 50
assert "50 results" in o["answer"] and o["status"] == "answered"
s = o["summary"]
assert s["calls"] == {"total": 50, "succeeded": 50, "failed": 0, "cancelled": 0, "timed_out": 0}, s["calls"]
assert s["max_running"] == 50 and s["llm_requests"] == 2 and s["exit_code"] == 0, s
assert s["tokens"]["input"] > 0 and s["tokens"]["output"] > 0, s["tokens"]
assert s["wall_ms"] >= s["tools_running_ms"] > 0 and s["tool_ms"] >= s["tools_running_ms"], s
assert s["parallel_speedup"] > 1 and s["llm_ms"] > 0, s
assert s["retries"] == {"tools": 0, "llm": 0} and s["rate_limit_waits"] == 0 and s["speculation"] is None, s
PY
  ;;
jsonl)
  run --config "$src/examples/agent.json" --progress jsonl "Research X"
  [ "$rc" -eq 0 ] || fail "exit status $rc"
  grep -q "50 results" "$out" || fail "the answer is not on stdout"
  python3 - "$err" <<'PY' >>"$out" 2>&1 || fail "stderr is not JSON lines ending with the summary"
import json, sys
lines = open(sys.argv[1]).read().splitlines()
objs = [json.loads(l) for l in lines]  # every line one object
kinds = [o.get("event") for o in objs]
assert kinds[-1] == "summary", kinds[-1]
assert kinds.count("summary") == 1
assert kinds.count("call_result") == 50 and kinds.count("call_started") == 50, kinds
assert kinds.count("llm_request") == 2 and kinds.count("llm_response") == 2, kinds
assert "notice" in kinds and "job_done" in kinds and "text_delta" in kinds
assert all("t_ms" in o for o in objs if "event" in o)
s = objs[-1]
assert s["calls"]["succeeded"] == 50 and s["status"] == "answered", s
PY
  ;;
retries)
  # LLM retries, tool retries and rate-limit waits, shown as they happen and counted.
  run --config "$here/retries.json" --json "q"
  [ "$rc" -eq 0 ] || fail "exit status $rc"
  grep -q '^\[llm\]   LLM 429: retrying in 0\.1 s (attempt 2/4): ' "$err" || fail "no LLM retry line"
  grep -q '^\[retry\] flaky id=.* attempt 2$' "$err" || fail "no tool retry line"
  grep -q '^\[end\]   flaky id=.* status=failed attempts=3 .*: HTTP 500' "$err" || fail "no attempts on the end line"
  grep -q '^\[wait\]  limited id=.* waiting for rate-limit permits of service "svc"$' "$err" || fail "no wait line"
  grep -q '^toolorch: retries: 2 of tool calls, 1 of LLM requests; rate-limit waits: [1-9]' "$err" || fail "no retries in the summary"
  python3 - "$out" 2>>"$err" <<'PY' || fail "the summary's retries are wrong"
import json, sys
s = json.load(open(sys.argv[1]))["summary"]
assert s["retries"] == {"tools": 2, "llm": 1}, s["retries"]
assert s["rate_limit_waits"] >= 1 and s["llm_requests"] == 3, s
assert s["calls"] == {"total": 4, "succeeded": 3, "failed": 1, "cancelled": 0, "timed_out": 0}, s["calls"]
PY
  ;;
many_errors)
  # Every mistake at once, each once, with a suggestion, and nothing started.
  run --config "$here/many_errors.json" "q"
  [ "$rc" -eq 2 ] || fail "exit status $rc, not 2"
  grep -q 'many_errors.json: unknown key "tool" (did you mean "tools"?)$' "$err" || fail "tool/tools"
  grep -q 'tools\[0\]: unknown key "timeout" (did you mean "timeout_ms"?)$' "$err" || fail "timeout"
  grep -q 'tools\[1\]: unknown key "side_efect_free" (did you mean "side_effect_free"?)$' "$err" || fail "side_effect_free"
  grep -q 'observability: unknown key "metric_file" (did you mean "metrics_file"?)$' "$err" || fail "metrics_file"
  grep -q 'options: unknown option "max_parallel_tool" (did you mean "max_parallel_tools"?)$' "$err" || fail "options"
  [ "$(wc -l <"$err")" -eq 5 ] || fail "not five lines, one an error"
  grep -q "scripted LLM server" "$err" && fail "something started"
  [ ! -s "$out" ] || fail "something on stdout"
  ;;
job_key_error)
  # Found by the library's check of the job request: still before the start.
  run --config "$here/job_key_error.json" "q"
  [ "$rc" -eq 2 ] || fail "exit status $rc, not 2"
  grep -q 'job_key_error.json: job: .*"max_round" (did you mean "max_rounds"?)$' "$err" || fail "the key is not named"
  grep -q "scripted LLM server" "$err" && fail "an error after the start"
  [ "$(wc -l <"$err")" -eq 1 ] || fail "not one line"
  ;;
bad_mock_script)
  run --config "$here/bad_mock_script.json" "q"
  [ "$rc" -eq 2 ] || fail "exit status $rc, not 2"
  grep -q 'mock_script: rounds\[0\]\.tool_calls\[0\]: unknown key "nam"' "$err" || fail "the script's key is not named"
  grep -q "scripted LLM server at" "$err" && fail "an error after the start"
  ;;
validate)
  "$cli" validate "$src/examples/agent.json" >"$out" 2>"$err"
  [ $? -eq 0 ] || fail "a good config does not validate"
  grep -q "agent.json: ok (1 tool, a mock script)$" "$out" || fail "no ok"
  "$cli" validate "$here/many_errors.json" >"$out" 2>"$err"
  [ $? -eq 2 ] || fail "a bad config validates"
  [ "$(wc -l <"$err")" -eq 5 ] || fail "not the five errors"
  grep -q '(did you mean "timeout_ms"?)' "$err" || fail "no suggestion"
  "$cli" validate --config "$here/job_key_error.json" >"$out" 2>"$err"
  [ $? -eq 2 ] || fail "a bad job section validates"
  grep -q '"max_round"' "$err" || fail "the job key is not named"
  "$cli" validate >"$out" 2>"$err"
  [ $? -eq 2 ] || fail "validate without a config"
  ;;
serve)
  # The scripted server in the foreground: its URL on stdout, an answer over
  # HTTP, a clean stop on SIGTERM.
  "$cli" serve --port 0 --script "$here/serve_script.json" >"$out" 2>"$err" &
  pid=$!
  url=
  for _ in $(seq 1 200); do
    url=$(sed -n 1p "$out")
    [ -n "$url" ] && break
    sleep 0.05
  done
  case $url in http://127.0.0.1:[0-9]*) ;; *) kill $pid; fail "no URL printed: $url" ;; esac
  python3 - "$url" >>"$err" 2>&1 <<'PY' || { kill $pid; fail "the server did not answer"; }
import json, sys, urllib.request
req = urllib.request.Request(sys.argv[1] + "/v1/chat/completions", method="POST",
    data=json.dumps({"model": "m", "messages": [{"role": "user", "content": "hi"}]}).encode(),
    headers={"Content-Type": "application/json"})
body = json.load(urllib.request.urlopen(req, timeout=30))
assert body["choices"][0]["message"]["content"] == "hello from the served script", body
PY
  kill -TERM $pid
  wait $pid
  rc=$?
  [ "$rc" -eq 0 ] || fail "serve exited $rc on SIGTERM"
  grep -q "stopped" "$err" || fail "no stop notice"
  "$cli" serve --script /nonexistent >"$out" 2>"$err"
  [ $? -eq 2 ] || fail "serve with a missing script"
  ;;
tty)
  # In a real (pseudo) terminal: the live area is drawn and redrawn in place,
  # cut to the width, and the final screen holds the answer and the summary.
  shot=$(mktemp)
  python3 "$here/pty_screen.py" 72 30 "$shot" -- env -u NO_COLOR "$cli" run --config "$src/examples/agent.json" "Research X" ||
    fail "the pty harness failed"
  python3 - "$shot" 72 >"$out" 2>&1 <<'PY' || { cat "$shot" >>"$out"; rm -f "$shot"; fail "the terminal output is not right"; }
import json, re, sys
d = json.load(open(sys.argv[1])); cols = int(sys.argv[2])
raw, screen = d["raw"], d["screen"]
assert d["exit"] == 0, d["exit"]
assert "calls: " in raw and "running" in raw, "no live area"
assert re.search(r"\x1b\[[0-9]+A", raw), "never redrawn in place (no cursor-up)"
assert "\x1b[1m" in raw, "no colour without NO_COLOR"
# Every line of the area fits the width (escapes take no room).
for seg in raw.split("\x1b[K"):
    line = re.sub(r"\x1b\[[0-9;]*m", "", seg.split("\r")[-1])
    if line.startswith(("toolorch ", "calls: ", "  research")):
        assert len(line) <= cols - 1, repr(line)
text = "\n".join(screen)
assert "toolorch: answered in" in text, text
assert "toolorch: calls: 50 (50 succeeded" in text, text
assert "50 results" in text, text
assert not re.search(r"^toolorch [0-9.]+ s  LLM", text, re.M), "the live area stayed"
assert not re.search(r"^calls: ", text, re.M), "the live area stayed"
PY
  # Failures, retries and waits scroll above the area, the reason given the room.
  python3 "$here/pty_screen.py" 100 40 "$shot" -- "$cli" run --config "$here/retries.json" "q" ||
    fail "the pty harness failed (retries)"
  python3 - "$shot" >"$out" 2>&1 <<'PY' || { cat "$shot" >>"$out"; rm -f "$shot"; fail "retries on the terminal"; }
import json, re, sys
d = json.load(open(sys.argv[1]))
assert d["exit"] == 0, d["exit"]
text = "\n".join(d["scrolled"] + d["screen"])
assert re.search(r"^\[failed\] flaky after 3 attempts \(run [0-9]+ ms, wait [0-9]+ ms\): HTTP 500: \{\"a\":1\}$", text, re.M), text
assert re.search(r"^\[llm\]   LLM 429: retrying in 0\.1 s \(attempt 2/4\)", text, re.M), text
assert "[info]" not in text, "info log lines on a terminal"
assert "toolorch: retries: 2 of tool calls, 1 of LLM requests" in text, text
PY
  NO_COLOR=1 python3 "$here/pty_screen.py" 72 30 "$shot" -- "$cli" run --config "$src/examples/agent.json" "Research X" ||
    fail "the pty harness failed (NO_COLOR)"
  python3 - "$shot" >"$out" 2>&1 <<'PY' || { rm -f "$shot"; fail "colours despite NO_COLOR"; }
import json, re, sys
d = json.load(open(sys.argv[1]))
assert d["exit"] == 0 and "calls: " in d["raw"]
assert not re.search(r"\x1b\[[0-9;]*m", d["raw"]), "an SGR escape"
PY
  rm -f "$shot"
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
