#!/bin/bash
# Re-records tests/traces/java/java-g1.log (+ java-g1.execve.maps).  Usage: java.sh OUTDIR
# Compiled first (javac) so the trace holds the workload, not the in-process compiler
# of a single-file source launch.  -XX:+UseTransparentHugePages makes G1 madvise(MADV_HUGEPAGE)
# every region it commits; without it this JVM's only madvise calls are glibc's thread-stack
# MADV_DONTNEED at thread exit.
set -u
. "$(dirname "$0")/common.sh"
OUT=$(realpath -m "${1:?outdir}"); HERE=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$OUT"; BUILD=/tmp/madv-rec-java; rm -rf "$BUILD"; mkdir -p "$BUILD"
javac -d "$BUILD" "$HERE/java/GcChurn.java"
cd "$BUILD"
JOPTS=(-XX:+UseG1GC -Xms16m -Xmx256m -XX:MinHeapFreeRatio=5 -XX:MaxHeapFreeRatio=10
       -XX:-ShrinkHeapInSteps -XX:+UseTransparentHugePages -cp . GcChurn)
capture_execve_maps "$OUT/java-g1.execve.maps" java "${JOPTS[@]}"
setarch -R strace -f -ttt -T -e "$FILTER" -o "$OUT/java-g1.log" java "${JOPTS[@]}"
cd /; rm -rf "$BUILD"
