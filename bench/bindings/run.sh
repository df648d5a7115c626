#!/usr/bin/env bash
# bench/bindings: 10,000 tool calls through one batch, the tool written in C
# (bench_c.c, completed through the batch's own event queue), Go, Java and
# Ruby, each completed by that language's consumer of the batch. Prints CPU microseconds per
# call (process CPU time / calls) and what each binding adds over C, the
# latency from a call's result to the language's callback (1,000 one-call
# batches: the tool's return to the CALL_RESULT reaching Events() / the
# EventListener / the each_event block; median and p99 us), Ruby's CPU per
# call over Go's (target: 3x at most), then one JSON line.
#
#   bench/bindings/run.sh [build-folder] [calls]
# The build folder (default: build) must be configured with
# -DTOOLORCH_BINDINGS_GO=ON -DTOOLORCH_BINDINGS_JAVA=ON -DTOOLORCH_BINDINGS_RUBY=ON
# and built: cmake --build build --target bench_bindings_c toolorch_go toolorch_java toolorch_ruby
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
calls=${2:-10000}
b=$build/bindings
for f in "$b/bench_bindings_c" "$b/java/toolorch.jar" "$b/java/libtoolorch_jni.so" "$b/ruby/ext/toolorch/native.so"; do
  [ -e "$f" ] || { echo "missing $f: build the targets named in $0" >&2; exit 1; }
done

lines=()
run() { # run <lang> <command...>: keep the JSON line, show the rest
  local out
  out=$("${@:2}") || { echo "$1 failed" >&2; exit 1; }
  grep -v '^{' <<<"$out" || true
  lines+=("$(grep '^{' <<<"$out")")
}

run c "$b/bench_bindings_c" "$calls"
run go env GOPROXY=off GOFLAGS=-mod=mod GOTOOLCHAIN=local GOCACHE="$b/go/gocache" GOPATH="$b/go/gopath" \
  PKG_CONFIG_PATH="$b/go/pkgconfig" \
  bash -c "cd '$here/go' && go build -o '$b/go/bench_bindings_go' . && '$b/go/bench_bindings_go' $calls"
run java java -Dtoolorch.jni="$b/java/libtoolorch_jni.so" -cp "$b/java/toolorch.jar" "$here/java/Bench.java" "$calls"
run ruby ruby -I"$b/ruby/ext" -I"$root/bindings/ruby/lib" "$here/ruby/bench.rb" "$calls"

# The figures, then one JSON line.
printf '%s\n' "${lines[@]}" | jq -rs '
  (map({(.lang): .cpu_us_per_call}) | add) as $f
  | (map({(.lang): .result_to_callback_us}) | add) as $l
  | ($f | to_entries[] | select(.key != "c")
     | "\(.key): +\((.value - $f.c) * 100 | round / 100) us CPU per call over C"),
    "ruby / go CPU per call: \(($f.ruby / $f.go) * 100 | round / 100)x (target <= 3x)",
    ({bench: "bindings", cpu_us_per_call: $f, result_to_callback_us: $l,
      ruby_over_go_cpu: (($f.ruby / $f.go) * 100 | round / 100)} | tojson)'
