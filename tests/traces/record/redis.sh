#!/bin/bash
# Re-records tests/traces/redis/redis-bench.log: redis-server started under strace
# (ASLR off, see common.sh), driven by redis-benchmark, MEMORY PURGE, shut down cleanly.
# Also writes redis-bench.execve.maps (address space at execve, from a separate run)
# and redis-bench.ping.maps (/proc/PID/maps once the first PING is answered; the
# time it was taken, in the trace's -ttt clock, is in redis-bench.ping.maps.ttt).
# Usage: redis.sh OUTDIR [BENCH_N]   (BENCH_N defaults to 20000)
set -u
. "$(dirname "$0")/common.sh"
OUT=$(realpath -m "${1:?outdir}"); N=${2:-20000}; PORT=${PORT:-6390}
mkdir -p "$OUT"; WORK=/tmp/madv-rec-redis; rm -rf "$WORK"; mkdir -p "$WORK"; cd "$WORK"
ARGS=(--save '' --appendonly no --port "$PORT" --bind 127.0.0.1 --daemonize no --logfile "$WORK/redis.log")
capture_execve_maps "$OUT/redis-bench.execve.maps" redis-server "${ARGS[@]}"
setarch -R strace -f -ttt -T -e "$FILTER" -o "$OUT/redis-bench.log" redis-server "${ARGS[@]}" &
SPID=$!
until redis-cli -p "$PORT" ping >/dev/null 2>&1; do sleep 0.1; done
RPID=$(redis-cli -p "$PORT" info server | awk -F: '/^process_id/{print $2}' | tr -d '\r')
date +%s.%N > "$OUT/redis-bench.ping.maps.ttt"
cat /proc/$RPID/maps > "$OUT/redis-bench.ping.maps"
redis-benchmark -p "$PORT" -n "$N" -r 10000 -t set,get,lpush -d 4096 -q
redis-cli -p "$PORT" MEMORY PURGE
redis-cli -p "$PORT" DEL mylist
redis-cli -p "$PORT" FLUSHALL
redis-cli -p "$PORT" MEMORY PURGE
redis-cli -p "$PORT" INFO memory | grep -E 'used_memory_human|used_memory_rss_human'
sleep 2
redis-cli -p "$PORT" shutdown nosave
wait $SPID
echo "redis pid $RPID; strace exit $?"
cd /; rm -rf "$WORK"
