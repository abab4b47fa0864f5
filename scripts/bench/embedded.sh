#!/usr/bin/env bash
# POST /transaction on the embedded default as `make run` serves it (gunicorn threads, SQLite in WAL mode,
# in-memory cache, events in-process: each payment is scored and decided in the same process), at 1, 16
# and 50 connections. Usage: embedded.sh [seconds]
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd); cd "$ROOT"
command -v wrk >/dev/null || { apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }; }
seconds=${1:-10}; dir=$(mktemp -d); port=18192
# A newcomer's environment: nothing of a test run's or the full stack's settings.
newcomer=(env -i PATH="$ROOT/.venv/bin:$PATH" HOME="$HOME" DJANGO_SETTINGS_MODULE=payproc.settings.local
  DATABASE_URL="sqlite:///$dir/payproc.sqlite3" PORT=$port EMBEDDED_THREADS="${EMBEDDED_THREADS:-4}"
  RATE_LIMIT_PER_API_KEY=1000000/second LOG_LEVEL=WARNING)
"${newcomer[@]}" python manage.py migrate --noinput >/dev/null 2>&1 || { echo "migrate failed"; exit 1; }
KEY=$("${newcomer[@]}" python manage.py create_merchant bench 2>&1 | grep -oE 'sk_(test|live)_[A-Za-z0-9_-]+' | head -1)
export KEY
"${newcomer[@]}" python -m gunicorn --config config/gunicorn.embedded.conf.py >"$dir/web.log" 2>&1 & server=$!
trap 'kill $server 2>/dev/null' EXIT
for _ in $(seq 120); do curl -s -o /dev/null "http://127.0.0.1:$port/health" && break; sleep 0.5; done
wrk -t1 -c4 -d2s -s scripts/bench/post.lua "http://127.0.0.1:$port" >/dev/null 2>&1  # warm-up
for connections in 1 16 50; do
  printf 'embedded c=%-3s ' "$connections"
  wrk -t$(( connections < 2 ? 1 : 2 )) -c"$connections" -d"${seconds}s" --timeout 10s -s scripts/bench/post.lua \
    "http://127.0.0.1:$port" | grep RESULT
done
echo "(logs and database in $dir)"
