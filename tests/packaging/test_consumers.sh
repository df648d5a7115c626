#!/usr/bin/env bash
# Install into a temporary prefix, then build the same consumer program two
# ways, as a user would: with pkg-config, and with find_package(toolorch).
set -euo pipefail
build="$1"; src="$2"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" > "$tmp/install.log"
libdir=$(ls -d "$tmp"/prefix/lib*/ | head -1)

echo "== pkg-config consumer"
export PKG_CONFIG_PATH="$libdir/pkgconfig"
pkg-config --exists toolorch
cc -Wall -Wextra -Werror -o "$tmp/consumer_pc" "$src/tests/packaging/consumer/main.c" \
   $(pkg-config --cflags --libs toolorch) -Wl,-rpath,"$libdir"
"$tmp/consumer_pc"

echo "== CMake consumer"
cmake -S "$src/tests/packaging/consumer" -B "$tmp/cmake-build" -DCMAKE_PREFIX_PATH="$tmp/prefix" > "$tmp/cfg.log"
cmake --build "$tmp/cmake-build" > "$tmp/build.log"
"$tmp/cmake-build/consumer"
echo "consumers ok"
