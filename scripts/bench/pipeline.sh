#!/usr/bin/env bash
# The whole pipeline, every process started as the image starts it: web -> outbox -> relay -> Kafka ->
# consumer -> Celery worker -> scoring -> decision (and authorization). wrk sends payments for N seconds;
# then it waits until none is `pending` and prints accepted/s, decided/s and created->decided latency,
# read from the payments' own history. Then each role's CPU per payment and memory (scripts/bench/cpu.py),
# PostgreSQL's, Redis's and Kafka's too, and the worker's tasks: the figures behind deploy/kubernetes's
# requests and autoscaling thresholds and the README's capacity table.
# Usage: pipeline.sh [seconds] [connections] [max wait s]
source "$(dirname "$0")/common.sh"
seconds=${1:-10}; connections=${2:-16}; export PORT=18191; run=bench$$
fresh_database payproc_bench_pipeline
python manage.py load_fraud_rules >/dev/null 2>&1
export REDIS_URL=redis://127.0.0.1:6379/11 CELERY_BROKER_URL=redis://127.0.0.1:6379/12 EVENT_PRODUCER=$run \
  KAFKA_CONSUMER_GROUP=$run TOPIC_TRANSACTIONS=$run.payments TOPIC_DECISIONS=$run.decisions \
  TOPIC_INCIDENTS=$run.incidents TOPIC_PROVIDER=$run.provider TOPIC_FEATURES=$run.features \
  ANALYTICS_CONSUMER_GROUP=$run.analytics CLICKHOUSE_URL=clickhouse://127.0.0.1:19000/payproc_bench_pipeline
redis-cli -n 11 flushdb >/dev/null; redis-cli -n 12 flushdb >/dev/null
python manage.py clickhouse_migrate >/dev/null 2>&1 || { echo "clickhouse_migrate failed"; exit 1; }
pids=()
for role in web relay consumer; do start_role $role; pids+=($!); done
METRICS_PORT=19153 start_role worker; pids+=($!)
start_role analytics; pids+=($!)
trap 'kill ${pids[*]} 2>/dev/null' EXIT
wait_for_http "http://127.0.0.1:$PORT/health"
q() { psql -h 127.0.0.1 -U postgres -d payproc_bench_pipeline -tAc "$1"; }
post() { curl -s -o /dev/null -X POST "http://127.0.0.1:$PORT/transaction" -H "Authorization: Bearer $KEY" \
  -H 'Content-Type: application/json' -d '{"amount": "5.00", "currency": "USD", "card_number": "4000056655665556",
  "expiry_month": 12, "expiry_year": 2034, "cvv": "123"}'; }
post  # warm-up: one payment decided before measuring (consumer group join, first connections)
for _ in $(seq 240); do [ "$(q "select count(*) from transactions_transaction where status<>'pending'")" -ge 1 ] && break; sleep 0.5; done
mark=$(q "select now()")
usage() {  # CPU seconds and MiB of each role's process tree and of the services
  python scripts/bench/cpu.py web=${pids[0]} relay=${pids[1]} consumer=${pids[2]} worker=${pids[3]} analytics=${pids[4]} \
    postgres=@postgres redis=@redis-server kafka=@tansu clickhouse=@clickhouse-serv
}
tasks() { curl -s http://127.0.0.1:19153/metrics | awk '/^payproc_celery_tasks_total\{/ {n += $2} END {print n + 0}'; }
database() { q "select xact_commit || ' ' || pg_current_wal_lsn() from pg_stat_database where datname = current_database()"; }
before=$(usage); tasks_before=$(tasks); read -r commits_before wal_before <<<"$(database)"
wrk -t$(( connections < 2 ? 1 : 2 )) -c"$connections" -d"${seconds}s" -s "$BENCH/post.lua" "http://127.0.0.1:$PORT" | grep RESULT
for _ in $(seq "${3:-240}"); do
  [ "$(q "select count(*) from transactions_transaction where status='pending' and created_at > '$mark'")" = 0 ] && break
  sleep 1
done
q "with d as (select t.id, t.created_at c, min(e.created_at) decided from transactions_transaction t
     join transactions_transactionevent e on e.transaction_id = t.id and e.from_status = 'pending'
     where t.created_at > '$mark' group by t.id, t.created_at)
   select 'accepted=' || (select count(*) from transactions_transaction where created_at > '$mark') ||
     ' decided=' || count(*) ||
     ' accepted_per_s=' || round((select count(*) from transactions_transaction where created_at > '$mark') / $seconds.0) ||
     ' decided_per_s=' || round(count(*) / greatest(extract(epoch from max(decided) - min(c)), 0.001)) ||
     ' latency_p50_ms=' || round(1000 * extract(epoch from percentile_cont(0.5) within group (order by decided - c))) ||
     ' p95_ms=' || round(1000 * extract(epoch from percentile_cont(0.95) within group (order by decided - c))) from d"
sleep 3  # the analytics sink's last batch (ANALYTICS_FLUSH_SECONDS)
after=$(usage); decided=$(q "select count(*) from transactions_transaction where status <> 'pending' and created_at > '$mark'")
echo "per payment (CPU ms) and resident memory (MiB), $decided payments, $(( $(tasks) - tasks_before )) worker tasks:"
paste -d' ' <(echo "$before") <(echo "$after") | awk -v n="$decided" '{printf "  %-9s cpu_ms_per_payment=%.2f rss_mib=%d\n", $1, 1000 * ($5 - $2) / (n > 0 ? n : 1), $6}'
read -r commits_after wal_after <<<"$(database)"
q "select '  postgres  commits_per_payment=' || round(($commits_after - $commits_before)::numeric / greatest($decided, 1), 1)
   || ' wal_bytes_per_payment=' || round(pg_wal_lsn_diff('$wal_after', '$wal_before') / greatest($decided, 1))"
echo "decided twice: $(q "select count(*) from (select transaction_id from transactions_transactionevent
  where from_status = 'pending' group by 1 having count(*) > 1) x")  (logs in $LOGS)"
