#!/usr/bin/env bash
# POST /transaction throughput: the web role (production settings, PostgreSQL + Redis, events to the
# outbox only) against the bare-DRF ceiling (bare_drf.py) and the floor of a payment's own I/O
# (floor_drf.py: the ceiling plus one Redis round trip and one transaction of four INSERTs), same gunicorn
# configuration, same wrk client, one run. Prints all three and the web role's ratio to each.
# Usage: http.sh [seconds] [connections]
source "$(dirname "$0")/common.sh"
seconds=${1:-10}; connections=${2:-32}; export PORT=18190
fresh_database payproc_bench_http
export REDIS_URL=redis://127.0.0.1:6379/11 OUTBOX_INLINE_RELAY=false; redis-cli -n 11 flushdb >/dev/null

measure() {  # NAME PID
  wait_for_http "http://127.0.0.1:$PORT/transaction"
  wrk -t2 -c"$connections" -d2s -s "$BENCH/post.lua" "http://127.0.0.1:$PORT" >/dev/null 2>&1  # warm-up
  printf '%-12s ' "$1"; wrk -t2 -c"$connections" -d"${seconds}s" -s "$BENCH/post.lua" "http://127.0.0.1:$PORT" | grep RESULT
  kill "$2"; wait "$2" 2>/dev/null; sleep 1
}

gunicorn --config config/gunicorn.conf.py --chdir "$BENCH" bare_drf:application >"$LOGS/bare.log" 2>&1 &
measure bare-drf $! | tee "$LOGS/bare.txt"
floor_db=${DATABASE_URL%/*}/payproc_bench_floor
psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS payproc_bench_floor" -c "CREATE DATABASE payproc_bench_floor" 2>/dev/null
DATABASE_URL=$floor_db python "$BENCH/floor_drf.py" || { echo "floor schema failed"; exit 1; }
DATABASE_URL=$floor_db gunicorn --config config/gunicorn.conf.py --chdir "$BENCH" floor_drf:application >"$LOGS/floor.log" 2>&1 &
measure floor-drf $! | tee "$LOGS/floor.txt"
start_role web; measure payproc-web $! | tee "$LOGS/web.txt"
rps() { grep -oE 'rps=[0-9]+' "$LOGS/$1.txt" | cut -d= -f2; }
ratio() { python3 -c "print(round(${1:-0} / max(${2:-1}, 1), 3))"; }
echo "ratio=$(ratio "$(rps web)" "$(rps bare)") (payproc-web rps / bare-drf rps)" \
  "to_floor=$(ratio "$(rps web)" "$(rps floor)") (payproc-web rps / floor-drf rps; logs in $LOGS)"
