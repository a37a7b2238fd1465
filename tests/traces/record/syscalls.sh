#!/bin/bash
# Re-records tests/traces/syscalls/*.log from edge.c.  Usage: syscalls.sh OUTDIR
#   edge.log         the issue's exact invocation (+ edge.execve.maps; ASLR off, see common.sh)
#   edge-y.log       the same plus -y (fds printed with their paths)
#   edge-nof.log     without -f: one process, no pid column, children untraced
#   edge-detach.log  `edge detach` run without strace (ASLR on); `strace -p PID -f` attached 1 s in (during
#                    its vfork) and stopped with SIGTERM 2 s later (during a long
#                    madvise(MADV_POPULATE_WRITE)).  strace PROG ignores SIGINT/SIGTERM by default
#                    (-I3); an attached strace does not.  If strace has not exited 10 s later it is
#                    killed (strace 6.1 can hang detaching from a parent blocked in vfork).
#   edge-detach-vfork-hang.log  `edge vforkhang` (ASLR on), `strace -p PID -f` attached 0.3 s in,
#                    SIGTERM 1.7 s later while the parent is blocked in vfork() and the traced
#                    child sleeps: strace 6.1 hangs detaching, is killed with SIGKILL after 5 s,
#                    and the log ends inside the line "vfork(" (no newline).
set -u
OUT=$(realpath -m "${1:?outdir}"); HERE=$(cd "$(dirname "$0")/.." && pwd)
. "$(dirname "$0")/common.sh"
mkdir -p "$OUT"; BUILD=/tmp/madv-rec-edge; cd /; rm -rf "$BUILD"; mkdir -p "$BUILD"
gcc -O0 -Wall -pthread -o "$BUILD/edge" "$HERE/syscalls/edge.c" || exit 1
cd "$BUILD"
capture_execve_maps "$OUT/edge.execve.maps" ./edge
setarch -R strace -f -ttt -T -e "$FILTER" -o "$OUT/edge.log" ./edge
setarch -R strace -f -ttt -T -y -e "$FILTER" -o "$OUT/edge-y.log" ./edge
setarch -R strace -ttt -T -e "$FILTER" -o "$OUT/edge-nof.log" ./edge
./edge detach & EPID=$!
sleep 1
strace -p $EPID -f -ttt -T -e "$FILTER" -o "$OUT/edge-detach.log" & SPID=$!
sleep 2
kill -TERM $SPID    # not SIGINT: a script's background jobs start with SIGINT ignored
for i in $(seq 100); do kill -0 $SPID 2>/dev/null || break; sleep 0.1; done
kill -0 $SPID 2>/dev/null && { echo "strace hung detaching; SIGKILL"; kill -KILL $SPID; }
wait $SPID; wait $EPID
./edge vforkhang & EPID=$!
sleep 0.3
strace -p $EPID -f -ttt -T -e "$FILTER" -o "$OUT/edge-detach-vfork-hang.log" & SPID=$!
sleep 1.7
kill -TERM $SPID
sleep 5
kill -0 $SPID 2>/dev/null && { echo "strace hung detaching (expected); SIGKILL"; kill -KILL $SPID; }
wait $SPID; wait $EPID
cd /; rm -rf "$BUILD"
