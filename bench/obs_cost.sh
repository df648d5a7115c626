#!/bin/sh
# The cost of observability: bench/fanout and bench/agent with observability
# off, with metrics, and with metrics and tracing at 1.0 (to a local OTLP
# sink). Run by hand from the build directory's parent:
#   bench/obs_cost.sh build [calls]
# Prints the benchmarks' JSON lines (key "obs" says which variant).
set -eu
build=${1:-build}
calls=${2:-10000}
here=$(dirname "$0")
portfile=$(mktemp)
python3 "$here/otlp_sink.py" >"$portfile" &
sink=$!
trap 'kill $sink 2>/dev/null; rm -f "$portfile"' EXIT
while [ ! -s "$portfile" ]; do sleep 0.1; done
export OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$(cat "$portfile")"
for obs in off metrics tracing; do
  TOOLORCH_BENCH_OBS=$obs "$build/bench/fanout/bench_fanout" "$calls" | grep '^{'
done
for obs in off metrics tracing; do
  TOOLORCH_BENCH_OBS=$obs "$build/bench/agent/bench_agent" | grep '^{'
done
