#!/usr/bin/env bash
# An outside Ruby program against an installed prefix, as bindings/README.md
# shows: install into a temporary prefix, `gem install` the installed gem
# offline into a temporary GEM_HOME (its extension compiles against
# `pkg-config toolorch`; the gem ships SWIG's output), then `require "toolorch"`
# with no -I. Then, when the prefix has the test kit, `require
# "toolorch/testing"` from the gem finds libtoolorch_testing in the prefix
# through pkg-config (no TOOLORCH_TESTING_LIB), and docs/TESTING.md's Ruby
# example (examples/testing/ruby, copied out of the tree) passes.
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
shout = A-CHAIN
scored: hold cancelled, yes succeeded
OUT
echo "outside Ruby program ok"

[ -f "$libdir/pkgconfig/toolorch-testing.pc" ] || exit 0
echo "== require \"toolorch/testing\" and the test kit's Ruby example"
mkdir "$tmp/kit"
cp "$src"/examples/testing/ruby/*.rb "$tmp/kit/"
cd "$tmp/kit"
# GEM_PATH ends with ':': the system's gems too (minitest), toolorch from $tmp/gems only.
kit_env=(env -u TOOLORCH_TESTING_LIB PKG_CONFIG_PATH="$libdir/pkgconfig" GEM_HOME="$tmp/gems" GEM_PATH="$tmp/gems:"
         RUBYLIB= RUBYOPT=)
"${kit_env[@]}" "$ruby" -e 'require "toolorch/testing"
  puts Gem.loaded_specs.fetch("toolorch").full_gem_path, Toolorch::Testing.library_path' | tee where.txt
[ "$(grep -c "^$tmp/" where.txt)" = 2 ] || { echo "toolorch/testing was not taken from the prefix"; exit 1; }
"${kit_env[@]}" "$ruby" -w test_weather_agent.rb | tee out.txt
grep -q ' 0 failures, 0 errors' out.txt || { echo "the example's tests did not all pass"; exit 1; }
echo "the test kit's Ruby example ok"
