#!/bin/bash
# Re-records tests/traces/node/node-gc.log (+ node-gc.execve.maps).  Usage: node.sh OUTDIR
set -u
. "$(dirname "$0")/common.sh"
OUT=$(realpath -m "${1:?outdir}"); HERE=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$OUT"; cd "$HERE/node"
capture_execve_maps "$OUT/node-gc.execve.maps" node --expose-gc alloc.js
setarch -R strace -f -ttt -T -e "$FILTER" -o "$OUT/node-gc.log" node --expose-gc alloc.js
