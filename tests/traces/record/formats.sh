#!/bin/bash
# Re-records tests/traces/formats/: the pmadvise.c program under strace options other
# than the issue's, so a parser meets the other prefixes strace can print.  ASLR off.
#   stderr.log   -f without -o (written to stderr): "[pid  1234] " prefix, no column for the first process
#   tt.log       -f -tt -T: "22:41:07.123456" wall-clock time of day
#   t-r.log      -f -t -r: "22:41:07 (+     0.000123) " seconds plus relative time
#   comm.log     -f -ttt -T -Y: "1234<pmadvise> " pid with the command name
#   ff.log.PID   -ff -ttt -T -o ff.log: one file per process, no pid column
# Usage: formats.sh OUTDIR
set -u
. "$(dirname "$0")/common.sh"
OUT=$(realpath -m "${1:?outdir}"); HERE=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$OUT"; BUILD=/tmp/madv-rec-formats; rm -rf "$BUILD"; mkdir -p "$BUILD"
gcc -O0 -Wall -o "$BUILD/pmadvise" "$HERE/pmadvise/pmadvise.c" || exit 1
cd "$BUILD"
setarch -R strace -f -e "$FILTER" ./pmadvise >/dev/null 2> "$OUT/stderr.log"
setarch -R strace -f -tt -T -e "$FILTER" -o "$OUT/tt.log" ./pmadvise >/dev/null
setarch -R strace -f -t -r -e "$FILTER" -o "$OUT/t-r.log" ./pmadvise >/dev/null
setarch -R strace -f -ttt -T -Y -e "$FILTER" -o "$OUT/comm.log" ./pmadvise >/dev/null
rm -f "$OUT"/ff.log.*
setarch -R strace -ff -ttt -T -e "$FILTER" -o "$OUT/ff.log" ./pmadvise >/dev/null
cd /; rm -rf "$BUILD"
