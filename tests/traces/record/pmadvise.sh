#!/bin/bash
# Re-records tests/traces/pmadvise/*.log from pmadvise.c.  Usage: pmadvise.sh OUTDIR
#   pmadvise.log           the issue's exact invocation (+ pmadvise.execve.maps)
#   pmadvise-v.log         plus -v: vectors printed whole (-s 4096 does the same for arrays)
#   pmadvise-xverbose.log  plus -X verbose: constants as 0x14 /* MADV_COLD */
#   pmadvise-xraw.log      plus -X raw: constants as bare numbers
set -u
. "$(dirname "$0")/common.sh"
OUT=$(realpath -m "${1:?outdir}"); HERE=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$OUT"; BUILD=/tmp/madv-rec-pmadvise; rm -rf "$BUILD"; mkdir -p "$BUILD"
gcc -O0 -Wall -o "$BUILD/pmadvise" "$HERE/pmadvise/pmadvise.c" || exit 1
cd "$BUILD"
capture_execve_maps "$OUT/pmadvise.execve.maps" ./pmadvise
setarch -R strace -f -ttt -T -e "$FILTER" -o "$OUT/pmadvise.log" ./pmadvise
setarch -R strace -f -ttt -T -v -e "$FILTER" -o "$OUT/pmadvise-v.log" ./pmadvise >/dev/null
setarch -R strace -f -ttt -T -X verbose -e "$FILTER" -o "$OUT/pmadvise-xverbose.log" ./pmadvise >/dev/null
setarch -R strace -f -ttt -T -X raw -e "$FILTER" -o "$OUT/pmadvise-xraw.log" ./pmadvise >/dev/null
cd /; rm -rf "$BUILD"
