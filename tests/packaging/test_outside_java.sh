#!/usr/bin/env bash
# An outside Java program against an installed prefix, as bindings/README.md
# shows: install into a temporary prefix, compile and run a program with
# <prefix>/share/java/toolorch.jar alone on the class path (no
# -Dtoolorch.jni, no java.library.path: the jar loads its own JNI library).
# Also: the POM beside the jar names the artifact.
# With JUnit's jars given (the build has the test kit): the kit's jar,
# toolorch-testing.jar, likewise beside it, and docs/TESTING.md's Java
# example (examples/testing/java, copied out of the tree) compiled and run
# with JUnit against the two installed jars alone.
#   test_outside_java.sh <build> <source> <javac> <java> [<junit4.jar> <hamcrest-core.jar>]
set -euo pipefail
build="$1"; src="$2"; javac="$3"; java="$4"; junit="${5:-}"; hamcrest="${6:-}"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
prefix="$tmp/prefix"
cmake --install "$build" --prefix "$prefix" > "$tmp/install.log"
jar="$prefix/share/java/toolorch.jar"
pom="$prefix/share/java/toolorch.pom"
[ -f "$jar" ] && [ -f "$pom" ] || { echo "no toolorch.jar/toolorch.pom under $prefix/share/java"; exit 1; }
grep -q '<artifactId>toolorch</artifactId>' "$pom"
# The JDK's own jar tool lists it (no unzip needed); the listing is read
# whole first: `... | grep -q` under pipefail fails when grep stops early.
listing=$("$(dirname "$javac")/jar" tf "$jar")
grep 'org/toolorch/native/.*/libtoolorch_jni.so' <<<"$listing" > /dev/null || { echo "no JNI library in $jar"; exit 1; }

echo "== the outside program"
mkdir "$tmp/app"
cp "$src/tests/packaging/outside/java/Hello.java" "$tmp/app/"
cd "$tmp/app"
"$javac" -cp "$jar" -d classes Hello.java
# Private temp folder: the jar extracts its JNI library there and removes it.
mkdir jtmp
"$java" -Djava.io.tmpdir="$tmp/app/jtmp" -cp "$jar:classes" Hello | tee out.txt
diff -u - out.txt <<'OUT'
upper(go) = GO
upper(java) = JAVA
upper(ruby) = RUBY
shout = A-CHAIN
scored: hold cancelled, yes succeeded
OUT
[ -z "$(ls -A jtmp)" ] || { echo "the extracted JNI library was left behind:"; ls -lR jtmp; exit 1; }
echo "outside Java program ok"
# Production code does not carry the test kit.
if grep -q '^org/toolorch/testing/' <<<"$listing"; then echo "toolorch.jar carries the test kit"; exit 1; fi

[ -n "$junit" ] || exit 0
echo "== the test kit's Java example"
kit="$prefix/share/java/toolorch-testing.jar"
[ -f "$kit" ] && [ -f "$prefix/share/java/toolorch-testing.pom" ] \
  || { echo "no toolorch-testing.jar/.pom under $prefix/share/java"; exit 1; }
grep -q '<artifactId>toolorch-testing</artifactId>' "$prefix/share/java/toolorch-testing.pom"
kit_listing=$("$(dirname "$javac")/jar" tf "$kit")
grep 'org/toolorch/testing/native/.*/libtoolorch_testing_jni.so' <<<"$kit_listing" > /dev/null \
  || { echo "no JNI library in $kit"; exit 1; }
mkdir "$tmp/kit"
cp "$src"/examples/testing/java/*.java "$tmp/kit/"
cd "$tmp/kit"
cp="$jar:$kit:$junit:$hamcrest"
"$javac" -cp "$cp" -d classes ./*.java
mkdir jtmp
"$java" -Djava.io.tmpdir="$tmp/kit/jtmp" -cp "classes:$cp" org.junit.runner.JUnitCore WeatherAgentTest | tee out.txt
grep -q '^OK (3 tests)' out.txt || { echo "the example's tests did not all pass"; exit 1; }
[ -z "$(ls -A jtmp)" ] || { echo "an extracted JNI library was left behind:"; ls -lR jtmp; exit 1; }
echo "the test kit's Java example ok"
