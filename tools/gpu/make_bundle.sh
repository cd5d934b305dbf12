#!/usr/bin/env bash
# Prepares, on a machine with the JDK and Maven, everything tools/gpu/run_opencl_check.sh needs on a GPU machine
# that has neither: a jlink'd Java runtime, the built jars with their dependencies, the test classes, and JUnit's
# console launcher.
#
#   tools/gpu/make_bundle.sh [OUT]        (default OUT: gpu-bundle, under the repository root)
#
# OUT/jdk-runtime   java with only the modules gradwerk needs (jdeps on the built jars, see MODULES below)
# OUT/lib           gradwerk-*.jar and their runtime dependencies (JOCL carries its native libraries)
# OUT/test-lib      the test classes of every module as jars, their test-only dependencies (jqwik, gson), and
#                   junit-platform-console-standalone (fetched with `mvn dependency:copy`, not a project dependency)
# OUT/run_opencl_check.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="$(mkdir -p "${1:-$root/gpu-bundle}" && cd "${1:-$root/gpu-bundle}" && pwd)"
cd "$root"
: "${JAVA_HOME:=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")}"
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
mvn_flags=(-q -B ${MVN_FLAGS:-})   # e.g. MVN_FLAGS=-o where everything is already in ~/.m2
# junit-platform-console-standalone must match the project's JUnit (junit.version 5.x.y -> platform 1.x.y)
junit=$(sed -n 's:.*<junit.version>5\.\(.*\)</junit.version>.*:1.\1:p' pom.xml)

echo "== building jars and test classes"
mvn "${mvn_flags[@]}" -DskipTests package test-compile
rm -rf "$out/lib" "$out/test-lib" "$out/jdk-runtime"
mkdir -p "$out/lib" "$out/test-lib"
cp tensor/target/gradwerk-tensor-*.jar autograd/target/gradwerk-autograd-*.jar nn/target/gradwerk-nn-*.jar \
   ddanet/target/gradwerk-ddanet-*.jar "$out/lib/"
mvn "${mvn_flags[@]}" -pl ddanet dependency:copy-dependencies -DincludeScope=runtime -DexcludeGroupIds=dev.gradwerk \
    -DoutputDirectory="$out/lib"
mvn "${mvn_flags[@]}" -pl tensor,autograd,nn,ddanet dependency:copy-dependencies -DincludeScope=test -DexcludeGroupIds=dev.gradwerk,org.junit.jupiter,org.junit.platform,org.opentest4j,org.apiguardian \
    -DoutputDirectory="$out/test-lib"
for f in "$out"/test-lib/*.jar; do [[ -e "$out/lib/$(basename "$f")" ]] && rm "$f"; done # runtime ones are in lib
for m in tensor autograd nn ddanet; do
  (cd $m/target/test-classes && "$JAVA_HOME/bin/jar" cf "$out/test-lib/gradwerk-$m-tests.jar" .)
done
mvn "${mvn_flags[@]}" dependency:copy -Dartifact=org.junit.platform:junit-platform-console-standalone:"$junit" \
    -DoutputDirectory="$out/test-lib"

echo "== jdeps"
# What the code needs (checked with jdeps --print-module-deps on lib/ and test-lib/: java.base, java.desktop
# (xchart's plots, ImageIO), java.logging, jdk.incubator.vector, plus jdk.unsupported for JOCL/gson's Unsafe use).
# The union of what jdeps finds (also on JUnit's console launcher) and this list is linked, so a new dependency
# cannot be forgotten.
MODULES="java.base,java.desktop,jdk.incubator.vector,java.logging,jdk.unsupported"
found=$("$JAVA_HOME/bin/jdeps" --multi-release 25 --ignore-missing-deps --print-module-deps \
        --add-modules jdk.incubator.vector -cp "$out/lib/*:$out/test-lib/*" "$out"/lib/gradwerk-*.jar "$out"/test-lib/gradwerk-*.jar "$out"/test-lib/junit-platform-console-standalone-*.jar 2>&1 || true)
[[ "$found" =~ ^[a-z][a-z0-9.,]*$ ]] || { echo "jdeps said: $found (ignored)"; found=""; }
echo "jdeps: ${found:-<failed>}"
[[ -n "$found" ]] && MODULES="$MODULES,$found"
echo "== jlink --add-modules $MODULES"
"$JAVA_HOME/bin/jlink" --add-modules "$MODULES" --strip-debug --no-header-files --no-man-pages \
    --output "$out/jdk-runtime"
cp tools/gpu/run_opencl_check.sh "$out/"
echo "== bundle ready: $out ($(du -sh "$out" | cut -f1)); copy it to the GPU machine and run ./run_opencl_check.sh"
