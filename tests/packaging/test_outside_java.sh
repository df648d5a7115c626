#!/usr/bin/env bash
# An outside Java program against an installed prefix, as bindings/README.md
# shows: install into a temporary prefix, compile and run a program with
# <prefix>/share/java/toolorch.jar alone on the class path (no
# -Dtoolorch.jni, no java.library.path: the jar loads its own JNI library).
# Also: the POM beside the jar names the artifact.
#   test_outside_java.sh <build> <source> <javac> <java>
set -euo pipefail
build="$1"; src="$2"; javac="$3"; java="$4"
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
OUT
[ -z "$(ls -A jtmp)" ] || { echo "the extracted JNI library was left behind:"; ls -lR jtmp; exit 1; }
echo "outside Java program ok"
