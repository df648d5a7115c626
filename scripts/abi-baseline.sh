#!/usr/bin/env bash
# Refresh the ABI baseline abi/<SONAME>.abi from a RelWithDebInfo build of
# libtoolorch.so (abidw needs its debug info). Only the public API counts:
# the types of include/toolorch/ reachable from the exported toolorch_*
# functions. Run it, review `git diff abi/`, and commit the result:
#  - after adding functions or enum values, whenever you like (additions
#    pass scripts/abi-check.sh without it; refreshing makes the next removal
#    of what you added visible);
#  - after an incompatible change, together with the SONAME bump
#    (project VERSION major in CMakeLists.txt): the old baseline file goes,
#    the new one is named after the new SONAME.
#   scripts/abi-baseline.sh [build-dir]      (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
fi
grep -q '^CMAKE_BUILD_TYPE:STRING=RelWithDebInfo$' "$build/CMakeCache.txt" ||
  { echo "abi-baseline.sh: $build is not a RelWithDebInfo build (abidw needs debug info)" >&2; exit 1; }
cmake --build "$build" -j "${JOBS:-2}" --target toolorch
lib=$(readlink -f "$build/lib/libtoolorch.so")
soname=$(readelf -d "$lib" | sed -n 's/.*Library soname: \[\(.*\)\].*/\1/p')
mkdir -p abi
abidw --headers-dir include/toolorch --drop-private-types --exported-interfaces-only \
  --no-corpus-path --no-show-locs --out-file "abi/$soname.abi" "$lib"
echo "wrote abi/$soname.abi ($(grep -c '<function-decl' "abi/$soname.abi") public functions)"
