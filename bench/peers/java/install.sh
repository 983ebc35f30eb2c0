#!/bin/sh
# Builds the Java SDK driver into bench/.peers/java (git-ignored). Needs only mvn and javac.
# Run: sh bench/peers/java/install.sh   (from anywhere; the repo root is derived from this file)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
out="$root/bench/.peers/java"

# Start from scratch so a version bump in pom.xml can't leave a stale jar on the classpath.
rm -rf "$out"
mkdir -p "$out/lib" "$out/classes"
mvn -q -B -f "$here/pom.xml" dependency:copy-dependencies -DoutputDirectory="$out/lib"
javac -nowarn -d "$out/classes" -cp "$out/lib/*" "$here/Driver.java"
echo "built $out; run: java -cp \"$out/classes:$out/lib/*\" Driver server=HOST:PORT scenario=..." >&2
