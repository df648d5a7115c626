#!/usr/bin/env bash
# The test kit as installed: libtoolorch_testing beside libtoolorch (its own
# SONAME, only toolorch_testing_* exported, nothing of it inside
# libtoolorch), and a user's test program -- the C example of
# docs/TESTING.md -- built from a temporary prefix the two ways a user would
# (pkg-config toolorch-testing; find_package(toolorch) + toolorch::testing)
# and run.
set -euo pipefail
build="$1"; src="$2"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" > "$tmp/install.log"
libdir=$(ls -d "$tmp"/prefix/lib*/ | head -1); libdir=${libdir%/}
unset LD_LIBRARY_PATH

echo "== the library: SONAME, exports, apart from libtoolorch"
lib="$libdir/libtoolorch_testing.so.0"
soname=$(objdump -p "$lib" | awk '$1 == "SONAME" {print $2}')
[ "$soname" = "libtoolorch_testing.so.0" ] || { echo "SONAME is '$soname'"; exit 1; }
symbols=$(nm -D --defined-only "$lib" | awk '{print $3}' | sed 's/@.*//' | sort -u)
stray=$(printf '%s\n' "$symbols" | grep -v -e '^toolorch_testing_' -e '^TOOLORCH_TESTING_0$' -e '^$' || true)
[ -z "$stray" ] || { echo "exported outside toolorch_testing_*:"; printf '%s\n' "$stray" | head -20; exit 1; }
count=$(printf '%s\n' "$symbols" | grep -c '^toolorch_testing_')
[ "$count" -ge 20 ] || { echo "only $count toolorch_testing_* symbols"; exit 1; }
if nm -D --defined-only "$libdir/libtoolorch.so.0" | grep -q 'toolorch_testing_'; then
  echo "libtoolorch carries the test kit"; exit 1
fi
echo "exports ok: $count toolorch_testing_* symbols, SONAME $soname"

example="$src/examples/testing/c/test_weather_agent.c"
echo "== pkg-config toolorch-testing"
export PKG_CONFIG_PATH="$libdir/pkgconfig"
pkg-config --exists toolorch-testing
cc -Wall -Wextra -Werror -pthread -o "$tmp/test_weather_agent" "$example" \
   $(pkg-config --cflags --libs toolorch-testing cmocka) -Wl,-rpath,"$(pkg-config --variable=libdir toolorch-testing)"
"$tmp/test_weather_agent" > "$tmp/pc.out" 2>&1 || { cat "$tmp/pc.out"; exit 1; }
grep -q "PASSED.*3 test" "$tmp/pc.out" || { cat "$tmp/pc.out"; exit 1; }
# A program built with toolorch alone does not need the kit.
cc -o "$tmp/consumer" "$src/tests/packaging/consumer/main.c" $(pkg-config --cflags --libs toolorch)
if objdump -p "$tmp/consumer" | grep -q toolorch_testing; then echo "toolorch.pc pulls the test kit in"; exit 1; fi

echo "== CMake: find_package(toolorch), toolorch::testing"
mkdir -p "$tmp/proj"
cat > "$tmp/proj/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.20)
project(weather_agent_tests C)
find_package(toolorch 0.1 REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(CMOCKA REQUIRED IMPORTED_TARGET cmocka)
find_package(Threads REQUIRED)
add_executable(test_weather_agent "$example")
target_link_libraries(test_weather_agent PRIVATE toolorch::testing toolorch::toolorch PkgConfig::CMOCKA Threads::Threads)
CMAKE
cmake -S "$tmp/proj" -B "$tmp/proj/build" -DCMAKE_PREFIX_PATH="$tmp/prefix" > "$tmp/cfg.log"
cmake --build "$tmp/proj/build" > "$tmp/build.log"
"$tmp/proj/build/test_weather_agent" > "$tmp/cmake.out" 2>&1 || { cat "$tmp/cmake.out"; exit 1; }
grep -q "PASSED.*3 test" "$tmp/cmake.out" || { cat "$tmp/cmake.out"; exit 1; }
echo "test kit ok"
