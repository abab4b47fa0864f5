#!/usr/bin/env bash
# Instructions per POST /transaction (production settings, PostgreSQL + Redis, events to the outbox only),
# counted by callgrind in-process after a warm-up: a figure that repeats where timings do not, for
# comparing one change with the commit before it. Usage: instructions.sh [requests]
source "$(dirname "$0")/common.sh"
requests=${1:-100}
command -v valgrind >/dev/null || { apt-get install -y -qq valgrind >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq valgrind >/dev/null; }; }
fresh_database payproc_bench_instructions
export REDIS_URL=redis://127.0.0.1:6379/10 OUTBOX_INLINE_RELAY=false PYTHONPATH="$ROOT"; redis-cli -n 10 flushdb >/dev/null
export PROMETHEUS_MULTIPROC_DIR="$LOGS/metrics"; mkdir -p "$PROMETHEUS_MULTIPROC_DIR"  # as gunicorn runs it
valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$LOGS/callgrind.out" \
  python "$BENCH/instructions.py" "$requests" >"$LOGS/instructions.log" 2>&1 \
  || { echo "the measured run failed (logs in $LOGS)"; exit 1; }
total=$(awk '/^totals:/ {print $2}' "$LOGS/callgrind.out")
echo "POST /transaction: $(( total / requests )) instructions per request ($requests requests; logs in $LOGS)"
