#!/usr/bin/env bash
# Compare the built libtoolorch.so with the committed ABI baseline
# (abi/<SONAME>.abi, made by scripts/abi-baseline.sh) using abidiff from
# libabigail. Only the public API counts (include/toolorch/).
#  - Additions (new functions, appended enum values) pass.
#  - A removed or changed function fails (abidiff's ABI_INCOMPATIBLE_CHANGE
#    bit, or a "Removed"/"Changed" count in its report: with opaque handles
#    a changed signature is only reported as a change).
#  - A new SONAME (no baseline of that name) passes: the break is declared;
#    refresh the baseline for it with scripts/abi-baseline.sh.
#   scripts/abi-check.sh [build-dir]      (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
lib=$(readlink -f "$build/lib/libtoolorch.so")
[ -f "$lib" ] || { echo "abi-check.sh: no $build/lib/libtoolorch.so: build first" >&2; exit 1; }
soname=$(readelf -d "$lib" | sed -n 's/.*Library soname: \[\(.*\)\].*/\1/p')
baseline="abi/$soname.abi"
if [ ! -f "$baseline" ]; then
  echo "abi-check.sh: SONAME $soname has no baseline ($(ls abi/*.abi 2>/dev/null | tr '\n' ' ')): an ABI break declared by a new SONAME."
  echo "abi-check.sh: run scripts/abi-baseline.sh and commit $baseline."
  exit 0
fi
set +e
report=$(abidiff --no-show-locs --headers-dir2 include/toolorch "$baseline" "$lib" 2>&1)
rc=$?
set -e
echo "$report"
# abidiff's exit status is a bit field: 1 error, 2 usage error, 4 ABI change,
# 8 incompatible ABI change.
if (( rc & 3 )); then
  echo "abi-check.sh: abidiff failed (exit $rc)" >&2
  exit 1
fi
removed=$(sed -n 's/^Functions changes summary: \([0-9]*\) Removed.*/\1/p' <<< "$report")
changed=$(sed -n 's/^Functions changes summary: [0-9]* Removed[^,]*, \([0-9]*\) Changed.*/\1/p' <<< "$report")
vremoved=$(sed -n 's/^Variables changes summary: \([0-9]*\) Removed.*/\1/p' <<< "$report")
if (( rc & 8 )) || [ "${removed:-0}" != 0 ] || [ "${changed:-0}" != 0 ] || [ "${vremoved:-0}" != 0 ]; then
  echo "abi-check.sh: INCOMPATIBLE ABI change against $baseline (abidiff exit $rc)." >&2
  echo "abi-check.sh: restore compatibility, or bump the SONAME (major version) and run scripts/abi-baseline.sh." >&2
  exit 1
fi
echo "abi-check.sh: compatible with $baseline (abidiff exit $rc$( (( rc & 4 )) && echo ': additions only'))"
