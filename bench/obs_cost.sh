#!/bin/sh
# The cost of observability: bench/fanout and bench/agent with observability
# off, with metrics, and with metrics and tracing at 1.0 (to a local OTLP
# sink), each run REPEAT times (default 3; the median CPU per call counts).
# Run by hand from the source tree:
#   bash bench/obs_cost.sh build [calls]
# Prints CPU per call of each case beside the figure with both off and the
# difference, then the benchmarks' own JSON lines (key "obs" says which
# variant) and one JSON line per case: {"bench":"obs_cost","case":...,
# "off_us_per_call", "metrics_us_per_call", "tracing_us_per_call",
# "metrics_delta_us", "tracing_delta_us"}. Targets (issue 12): metrics
# <= 0.5 us per call, tracing <= 3 us per call.
set -eu
build=${1:-build}
calls=${2:-10000}
repeat=${REPEAT:-3}
here=$(dirname "$0")
portfile=$(mktemp)
lines=$(mktemp)
python3 "$here/otlp_sink.py" >"$portfile" 2>/dev/null &
sink=$!
trap 'kill $sink 2>/dev/null; rm -f "$portfile" "$lines"' EXIT
while [ ! -s "$portfile" ]; do sleep 0.1; done
export OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$(cat "$portfile")"
i=0
while [ "$i" -lt "$repeat" ]; do
  for obs in off metrics tracing; do
    TOOLORCH_BENCH_OBS=$obs "$build/bench/fanout/bench_fanout" "$calls" | grep '^{' >>"$lines"
    TOOLORCH_BENCH_OBS=$obs "$build/bench/agent/bench_agent" | grep '^{' >>"$lines"
  done
  i=$((i + 1))
done
python3 - "$lines" <<'EOF'
import json, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
cases = {}
for r in runs:
    key = "/".join(v for k, v in r.items() if isinstance(v, str) and k != "obs")  # what the case is
    cases.setdefault(key, {}).setdefault(r["obs"], []).append(r["cpu_us_per_call"])
print("CPU per call (median of %d runs), and what observability adds:" % max(len(v) for c in cases.values()
                                                                             for v in c.values()))
print("%-44s %9s %9s %9s %9s %9s" % ("case", "off", "metrics", "+", "tracing", "+"))
out = []
for key, by in cases.items():
    med = {o: statistics.median(v) for o, v in by.items()}
    if not all(o in med for o in ("off", "metrics", "tracing")):
        continue
    dm, dt = med["metrics"] - med["off"], med["tracing"] - med["off"]
    print("%-44s %8.2fus %8.2fus %+8.2fus %8.2fus %+8.2fus" % (key, med["off"], med["metrics"], dm, med["tracing"], dt))
    out.append({"bench": "obs_cost", "case": key, "runs": len(by["off"]), "off_us_per_call": round(med["off"], 3),
                "metrics_us_per_call": round(med["metrics"], 3), "tracing_us_per_call": round(med["tracing"], 3),
                "metrics_delta_us": round(dm, 3), "tracing_delta_us": round(dt, 3)})
print("targets: metrics <= 0.5 us per call, tracing <= 3 us per call")
for r in runs:
    print(json.dumps(r, separators=(",", ":")))
for o in out:
    print(json.dumps(o, separators=(",", ":")))
EOF
