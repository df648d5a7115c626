#!/usr/bin/env bash
# Install into a temporary prefix (outside the loader's search path, as a
# user's $HOME/.local would be), then build and RUN programs against it the
# two ways the README gives: its pkg-config link line, and
# find_package(toolorch) + toolorch::toolorch. Both of the repository's
# examples (owned loop + event queue, borrowed libevent loop) and a consumer
# program must build with the line as written and run.
set -euo pipefail
build="$1"; src="$2"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" > "$tmp/install.log"
libdir=$(ls -d "$tmp"/prefix/lib*/ | head -1); libdir=${libdir%/}
unset LD_LIBRARY_PATH

echo "== pkg-config: the README's line, then the README's ways to run"
export PKG_CONFIG_PATH="$libdir/pkgconfig"
pkg-config --exists toolorch
for prog in "$src/tests/packaging/consumer/main.c" "$src/examples/event_queue.c" "$src/examples/borrowed_loop.c"; do
  name=$(basename "$prog" .c)
  echo "-- $name"
  # Exactly the README's line (plus warnings as errors).
  cc -Wall -Wextra -Werror -o "$tmp/$name" "$prog" $(pkg-config --cflags --libs toolorch)
  # Outside ld.so's paths it cannot run as is; the README says so.
  if "$tmp/$name" > "$tmp/$name.out" 2>&1; then
    echo "$name ran without the library on the loader's path: test is wrong"; exit 1
  fi
  grep -q "libtoolorch.so.0" "$tmp/$name.out"
  # The README's first fix: LD_LIBRARY_PATH.
  LD_LIBRARY_PATH="$libdir" "$tmp/$name" > "$tmp/$name.out"
  # The README's second fix: an rpath from pkg-config's libdir.
  cc -o "$tmp/$name-rpath" "$prog" $(pkg-config --cflags --libs toolorch) \
     -Wl,-rpath,"$(pkg-config --variable=libdir toolorch)"
  "$tmp/$name-rpath" > "$tmp/$name.out"
done

echo "== CMake: find_package(toolorch), toolorch::toolorch, no extra step"
cmake -S "$src/tests/packaging/consumer" -B "$tmp/cmake-build" -DCMAKE_PREFIX_PATH="$tmp/prefix" \
      -DEXAMPLES_DIR="$src/examples" > "$tmp/cfg.log"
cmake --build "$tmp/cmake-build" > "$tmp/build.log"
for prog in consumer example_event_queue example_borrowed_loop; do
  echo "-- $prog"
  "$tmp/cmake-build/$prog" > "$tmp/$prog.out"
done

echo "== the installed CLI finds its library (its rpath is \$ORIGIN/../lib)"
"$tmp/prefix/bin/toolorch" --help > "$tmp/cli.out" 2>&1 || true
if grep -q "libtoolorch.so.0" "$tmp/cli.out"; then cat "$tmp/cli.out"; exit 1; fi
echo "consumers ok"
