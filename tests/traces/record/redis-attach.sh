#!/bin/bash
# Re-records tests/traces/redis/redis-attach*.log: redis-server started WITHOUT strace,
# its /proc/PID/maps saved (ASLR on), then `strace -p PID -f` attached (all threads) for the workload.
# Usage: redis-attach.sh OUTDIR NAME [STRACE_TIME_OPTS]
#   NAME=redis-attach       STRACE_TIME_OPTS="-ttt -T"
#   NAME=redis-attach-plain STRACE_TIME_OPTS=""        (no timestamps, no durations)
set -u
OUT=$(realpath -m "${1:?outdir}"); NAME=${2:?name}; TOPTS=${3-}; PORT=${PORT:-6391}; N=${N:-20000}
. "$(dirname "$0")/common.sh"
mkdir -p "$OUT"; WORK=$(mktemp -d); cd "$WORK"
redis-server --save '' --appendonly no --port "$PORT" --bind 127.0.0.1 --daemonize no --logfile "$WORK/redis.log" &
RPID=$!
until redis-cli -p "$PORT" ping >/dev/null 2>&1; do sleep 0.1; done
ls /proc/$RPID/task > "$OUT/$NAME.tasks"          # thread ids present at attach time
cat /proc/$RPID/maps > "$OUT/$NAME.maps"          # address space just before attaching
strace -p "$RPID" -f $TOPTS -e "$FILTER" -o "$OUT/$NAME.log" 2> "$WORK/strace.err" &
SPID=$!
sleep 1   # strace attaches asynchronously; give it time to seize every thread
redis-benchmark -p "$PORT" -n "$N" -r 10000 -t set,get,lpush -d 4096 -q
redis-cli -p "$PORT" MEMORY PURGE
redis-cli -p "$PORT" FLUSHALL
redis-cli -p "$PORT" MEMORY PURGE
sleep 1
redis-cli -p "$PORT" shutdown nosave
wait $SPID; echo "strace exit $?"; cat "$WORK/strace.err"
wait $RPID 2>/dev/null
rm -rf "$WORK"
