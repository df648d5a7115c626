#!/usr/bin/env bash
# An outside Go program against an installed prefix, as bindings/README.md
# shows: install into a temporary prefix, make a new module in a temporary
# folder, point toolorch.dev/go/toolorch at <prefix>/share/toolorch/go, build
# with cgo's flags from pkg-config, run. Also: the installed module is
# go vet clean (see below for the generated part).
#   test_outside_go.sh <build> <source> <go>
set -euo pipefail
build="$1"; src="$2"; go="$3"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
prefix="$tmp/prefix"
cmake --install "$build" --prefix "$prefix" > "$tmp/install.log"
libdir=$(dirname "$(ls "$prefix"/lib*/pkgconfig/toolorch.pc)")/..
libdir=$(cd "$libdir" && pwd)
module="$prefix/share/toolorch/go"
[ -f "$module/go.mod" ] && [ -f "$module/internal/capi/capi_wrap.c" ] || { echo "no Go module under $module"; exit 1; }

# Offline, nothing from this build folder but the compile cache.
export PKG_CONFIG_PATH="$libdir/pkgconfig" GOPROXY=off GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=1
export GOCACHE="$build/bindings/go/gocache" GOPATH="$tmp/gopath"
# A prefix off the loader's path: remember it in the program.
export CGO_LDFLAGS="-Wl,-rpath,$libdir"

echo "== go vet the installed module"
# The public package fully; SWIG's generated internal/capi without the
# unsafeptr check (its swigCopyString turns a C address, a uintptr, into a
# pointer, which is what that check flags).
(cd "$module" && "$go" vet . && "$go" vet -unsafeptr=false ./internal/capi)

echo "== the outside program"
mkdir "$tmp/app"
cp "$src/tests/packaging/outside/go/main.go" "$tmp/app/"
cd "$tmp/app"
"$go" mod init example.com/outside > /dev/null 2>&1
"$go" mod edit -require toolorch.dev/go/toolorch@v0.0.0 -replace "toolorch.dev/go/toolorch=$module"
"$go" build -o outside .
./outside | tee out.txt
diff -u - out.txt <<'OUT'
upper(go) = GO
upper(java) = JAVA
upper(ruby) = RUBY
shout = A-CHAIN
scored: hold cancelled, yes succeeded
OUT
# Its binary does not carry the test kit.
if objdump -p outside | grep -q toolorch_testing; then echo "the program links the test kit"; exit 1; fi

if [ -d "$module/toolorchtest" ]; then
  echo "== the test kit's Go example (docs/TESTING.md), tested from the prefix"
  (cd "$module" && "$go" vet ./toolorchtest)
  mkdir "$tmp/kit"
  cp "$src"/examples/testing/go/*.go "$tmp/kit/"
  cd "$tmp/kit"
  "$go" mod init example.com/weather > /dev/null 2>&1
  "$go" mod edit -require toolorch.dev/go/toolorch@v0.0.0 -replace "toolorch.dev/go/toolorch=$module"
  "$go" test -count=1 . | tee test.txt
  grep -q '^ok' test.txt
fi
echo "outside Go program ok"
