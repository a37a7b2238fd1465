#!/bin/bash
# Re-records tests/traces/python/python-alloc.log (+ python-alloc.execve.maps).
# Uses Debian's /usr/bin/python3 directly (a pyenv shim would add a bash process tree;
# python-pyenv-shim.log is that case, recorded once by hand, see the README).
# Usage: python.sh OUTDIR
set -u
. "$(dirname "$0")/common.sh"
OUT=$(realpath -m "${1:?outdir}"); HERE=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$OUT"; cd "$HERE/python"
capture_execve_maps "$OUT/python-alloc.execve.maps" /usr/bin/python3 alloc.py
setarch -R strace -f -ttt -T -e "$FILTER" -o "$OUT/python-alloc.log" /usr/bin/python3 alloc.py
