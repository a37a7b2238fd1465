#!/bin/bash
# Re-records tests/traces/go/gochurn.log and gobuild.log (+ their .maps) with `madv trace`
# itself (maps at each program's first mmap: a Go program never calls brk).
# Usage: go.sh OUTDIR   (needs Debian's golang-go, strace, and madv on PATH or in $MADV)
set -eu
MADV=${MADV:-madv}
OUT=$(realpath -m "${1:?outdir}"); HERE=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT
mkdir -p "$OUT"
cp "$HERE/go/gochurn.go" "$HERE/go/go.mod" "$WORK/"
cd "$WORK"
go build -o gochurn .
"$MADV" trace -o "$OUT/gochurn.log" -- ./gochurn
rm -rf "$WORK/gocache"
GOCACHE="$WORK/gocache" "$MADV" trace -o "$OUT/gobuild.log" -- go build -o "$WORK/gochurn2" .
