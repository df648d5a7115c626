#!/usr/bin/env bash
# The shared library exports the C ABI and nothing else, under SONAME libtoolorch.so.0.
set -euo pipefail
lib="$1"
soname=$(objdump -p "$lib" | awk '$1 == "SONAME" {print $2}')
[ "$soname" = "libtoolorch.so.0" ] || { echo "SONAME is '$soname', want libtoolorch.so.0"; exit 1; }
symbols=$(nm -D --defined-only "$lib" | awk '{print $3}' | sed 's/@.*//' | sort -u)
count=$(printf '%s\n' "$symbols" | grep -c '^toolorch_' || true)
stray=$(printf '%s\n' "$symbols" | grep -v -e '^toolorch_' -e '^TOOLORCH_0$' -e '^$' || true)
if [ -n "$stray" ]; then
  echo "symbols exported outside the toolorch_ prefix:"; printf '%s\n' "$stray" | head -50; exit 1
fi
[ "$count" -ge 40 ] || { echo "only $count toolorch_ symbols exported"; exit 1; }
echo "exports ok: $count toolorch_* symbols, SONAME $soname"
