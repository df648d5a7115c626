#!/bin/sh
# The Go binding's tests, as ctest runs them (bindings_go), from the package
# folder: everything under the race detector, then the leak checks without it
# (the race detector's own memory grows with every goroutine and would drown
# a leak). The environment (GOPROXY=off, GOFLAGS=-mod=mod, GOCACHE,
# CGO_LDFLAGS, TOOLORCH_MOCKLLM) comes from ctest.
set -eu
go=${1:-go}
"$go" vet .
"$go" test -race -count=1 -timeout 600s ./...
"$go" test -count=1 -timeout 600s -run 'DoNotGrow' -v .
