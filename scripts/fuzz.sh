#!/usr/bin/env bash
# Fuzz every parser of outside bytes for a bounded time (tests/fuzz/README.md).
# Builds the libFuzzer targets with clang under ASan+UBSan in build-fuzz/, then
# runs each one for FUZZ_SECONDS (default 30) on a copy of its committed seed
# corpus. A crash, leak, sanitizer report or broken property fails the run and
# the input that caused it is printed (base64 and hexdump) in the log and kept
# in build-fuzz/crashes/<target>/.
#   scripts/fuzz.sh                # all targets
#   scripts/fuzz.sh json schema    # some of them
#   FUZZ_SECONDS=300 scripts/fuzz.sh sse_reader
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-30}
jobs=${JOBS:-2}
build=build-fuzz
launcher=()
command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)

if ! command -v clang++ >/dev/null 2>&1; then
  echo "fuzz.sh: clang++ is not installed (scripts/install-deps.sh installs it)" >&2
  exit 1
fi
CC=clang CXX=clang++ cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTOOLORCH_FUZZ=ON \
  -DTOOLORCH_BUILD_TOOLS=OFF -DTOOLORCH_BUILD_EXAMPLES=OFF -DTOOLORCH_BUILD_BENCH=OFF \
  "${launcher[@]}" > "$build.cmake.log"
cmake --build "$build" -j "$jobs" --target fuzz_all

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for d in tests/fuzz/corpus/*/; do targets+=("$(basename "$d")"); done
fi

failed=()
for t in "${targets[@]}"; do
  bin="$build/tests/fuzz/fuzz_$t"
  [ -x "$bin" ] || { echo "fuzz.sh: no target $t" >&2; exit 1; }
  # libFuzzer adds what it finds to the first corpus folder: work on a copy so
  # the committed seeds stay small and hand-made.
  work="$build/corpus/$t" crashes="$build/crashes/$t"
  rm -rf "$work" "$crashes"
  mkdir -p "$work" "$crashes"
  cp tests/fuzz/corpus/"$t"/* "$work"/
  printf '\n---- fuzz %s (%ss)\n' "$t" "$seconds"
  log="$build/fuzz_$t.log"
  if ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:symbolize=1 \
     UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:suppressions="$PWD/tests/fuzz/ubsan.supp" \
     "$bin" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -max_len=65536 \
       -print_final_stats=1 -artifact_prefix="$crashes/" "$work" > "$log" 2>&1; then
    grep -E '^(#[0-9]+ *DONE|stat::number_of_executed_units|stat::peak_rss_mb)' "$log" || true
  else
    failed+=("$t")
    tail -n 80 "$log"
    for f in "$crashes"/*; do
      [ -f "$f" ] || continue
      printf '\n== input that failed %s: %s (%s bytes)\n-- base64:\n' "$t" "$f" "$(wc -c < "$f")"
      base64 "$f" | head -c 20000
      printf '\n-- hexdump:\n'
      od -A x -t x1z -v "$f" | head -n 200
    done
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  printf '\nfuzz.sh: FAILED: %s\n' "${failed[*]}"
  exit 1
fi
printf '\nfuzz.sh: %d targets ran %ss each without a finding\n' "${#targets[@]}" "$seconds"
