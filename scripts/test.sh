#!/usr/bin/env bash
# Build and run every test: the normal build (warnings are errors) and the
# ABI check, then the suite under ASan+UBSan, the threading tests under TSan,
# and every fuzz target for 30 s. This is what CI runs (.ci/run). Build
# folders: build/, build-asan/, build-tsan/, build-fuzz/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
jobs=${JOBS:-2}

step() { printf '\n==== %s\n' "$*"; }

step "build (RelWithDebInfo, -Werror, bindings on)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTOOLORCH_WERROR=ON \
  -DTOOLORCH_BINDINGS_GO=ON -DTOOLORCH_BINDINGS_JAVA=ON -DTOOLORCH_BINDINGS_RUBY=ON > build.cmake.log
cmake --build build -j "$jobs"
step "tests"
ctest --test-dir build --output-on-failure -j "$jobs"
step "ABI check (abidiff against abi/)"
bash scripts/abi-check.sh build

if [ "${TOOLORCH_SKIP_SANITIZERS:-0}" != 1 ]; then
  step "build with ASan+UBSan"
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DTOOLORCH_WERROR=ON -DTOOLORCH_SANITIZE=address \
    -DTOOLORCH_BUILD_BENCH=OFF -DTOOLORCH_BUILD_EXAMPLES=OFF > build-asan.cmake.log
  cmake --build build-asan -j "$jobs"
  step "tests under ASan+UBSan"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan --output-on-failure -j "$jobs" -LE "packaging|bindings|sdk"

  step "build with TSan"
  cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=Debug -DTOOLORCH_WERROR=ON -DTOOLORCH_SANITIZE=thread \
    -DTOOLORCH_BUILD_BENCH=OFF -DTOOLORCH_BUILD_EXAMPLES=OFF > build-tsan.cmake.log
  cmake --build build-tsan -j "$jobs"
  step "threading tests under TSan"
  TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
    ctest --test-dir build-tsan --output-on-failure -j "$jobs" -L threads
fi
if [ "${TOOLORCH_SKIP_FUZZ:-0}" != 1 ]; then
  step "fuzzing (clang, libFuzzer, ASan+UBSan, ${FUZZ_SECONDS:-30} s per target)"
  JOBS="$jobs" bash scripts/fuzz.sh
fi
step "all tests passed"
