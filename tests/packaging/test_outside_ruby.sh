#!/usr/bin/env bash
# An outside Ruby program against an installed prefix, as bindings/README.md
# shows: install into a temporary prefix, `gem install` the installed gem
# offline into a temporary GEM_HOME (its extension compiles against
# `pkg-config toolorch`; the gem ships SWIG's output), then `require "toolorch"`
# with no -I.
#   test_outside_ruby.sh <build> <source> <ruby> <gem>
set -euo pipefail
build="$1"; src="$2"; ruby="$3"; gem="$4"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
prefix="$tmp/prefix"
cmake --install "$build" --prefix "$prefix" > "$tmp/install.log"
libdir=$(dirname "$(ls "$prefix"/lib*/pkgconfig/toolorch.pc)")/..
libdir=$(cd "$libdir" && pwd)
gemfile=$(ls "$prefix"/share/toolorch/ruby/toolorch-*.gem)

# The gem ships SWIG's output: installing it runs no SWIG.
tar -xOf "$gemfile" data.tar.gz | tar -tz | grep -x 'ext/toolorch/native_wrap.c' > /dev/null \
  || { echo "$gemfile does not ship ext/toolorch/native_wrap.c"; exit 1; }

echo "== gem install $(basename "$gemfile") (offline)"
mkdir "$tmp/app"
cd "$tmp/app"
cp "$gemfile" .
env PKG_CONFIG_PATH="$libdir/pkgconfig" GEM_HOME="$tmp/gems" GEM_PATH="$tmp/gems" \
  "$gem" install --local --no-document ./toolorch-*.gem

echo "== the outside program"
cp "$src/tests/packaging/outside/ruby/hello.rb" .
env GEM_HOME="$tmp/gems" GEM_PATH="$tmp/gems" RUBYLIB= RUBYOPT= "$ruby" hello.rb | tee out.txt
diff -u - out.txt <<'OUT'
upper(go) = GO
upper(java) = JAVA
upper(ruby) = RUBY
OUT
echo "outside Ruby program ok"
