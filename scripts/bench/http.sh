#!/usr/bin/env bash
# POST /transaction throughput: the web role (production settings, PostgreSQL + Redis, events to the
# outbox only) against the bare-DRF ceiling (bare_drf.py), same gunicorn configuration, same wrk client,
# one run. Prints both and their ratio. Usage: http.sh [seconds] [connections]
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
start_role web; measure payproc-web $! | tee "$LOGS/web.txt"
bare=$(grep -oE 'rps=[0-9]+' "$LOGS/bare.txt" | cut -d= -f2); web=$(grep -oE 'rps=[0-9]+' "$LOGS/web.txt" | cut -d= -f2)
echo "ratio=$(python3 -c "print(round(${web:-0} / max(${bare:-1}, 1), 3))") (payproc-web rps / bare-drf rps; logs in $LOGS)"
