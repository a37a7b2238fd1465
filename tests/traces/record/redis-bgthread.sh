#!/bin/bash
# Re-records tests/traces/redis/redis-bgthread.log: like redis.sh but with jemalloc's
# background purging thread and short decay times (MALLOC_CONF), 2 I/O threads and
# lazy (bio-thread) frees, so several threads madvise concurrently and strace prints
# <unfinished ...> / <... madvise resumed> pairs; plus one BGSAVE, so the trace has a
# fork (clone without CLONE_VM), the child's own calls (redis 7 madvises away the
# pages of every object it has written, to limit copy-on-write) and exit, and a SIGCHLD line.
# Usage: redis-bgthread.sh OUTDIR [BENCH_N]   (BENCH_N defaults to 8000; R=keyspace, 3000)
# The large trace in the notes was made with: R=50000 PORT=6393 redis-bgthread.sh DIR 200000
set -u
. "$(dirname "$0")/common.sh"
OUT=$(realpath -m "${1:?outdir}"); N=${2:-8000}; R=${R:-3000}; PORT=${PORT:-6392}; NAME=${NAME:-redis-bgthread}
mkdir -p "$OUT"; WORK=/tmp/madv-rec-redis-bg; rm -rf "$WORK"; mkdir -p "$WORK"; cd "$WORK"
export MALLOC_CONF='background_thread:true,dirty_decay_ms:200,muzzy_decay_ms:200'
ARGS=(--save '' --appendonly no --port "$PORT" --bind 127.0.0.1 --daemonize no
      --io-threads 2 --io-threads-do-reads yes --lazyfree-lazy-user-del yes --lazyfree-lazy-user-flush yes
      --logfile "$WORK/redis.log")
capture_execve_maps "$OUT/$NAME.execve.maps" redis-server "${ARGS[@]}"
setarch -R strace -f -ttt -T -e "$FILTER" -o "$OUT/$NAME.log" redis-server "${ARGS[@]}" &
SPID=$!
until redis-cli -p "$PORT" ping >/dev/null 2>&1; do sleep 0.1; done
RPID=$(redis-cli -p "$PORT" info server | awk -F: '/^process_id/{print $2}' | tr -d '\r')
redis-benchmark -p "$PORT" -n "$N" -r "$R" -c 50 --threads 2 -t set,get,lpush -d 4096 -q | tr '\r' '\n' | grep -v 'rps=' 
redis-cli -p "$PORT" BGSAVE          # fork(): a child process that writes dump.rdb into the work dir and exits
until [ "$(redis-cli -p "$PORT" info persistence | awk -F: '/^rdb_bgsave_in_progress/{print $2}' | tr -d '\r')" = 0 ]; do sleep 0.1; done
redis-cli -p "$PORT" DEL mylist
redis-cli -p "$PORT" FLUSHALL ASYNC
sleep 1
redis-cli -p "$PORT" MEMORY PURGE
sleep 1
redis-cli -p "$PORT" shutdown nosave
wait $SPID; echo "redis pid $RPID; strace exit $?"
cd /; rm -rf "$WORK"
