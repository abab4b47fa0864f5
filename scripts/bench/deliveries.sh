#!/usr/bin/env bash
# Deliveries per second through the delivery engine: the `deliveries` and `beat` roles (docker/entrypoint.sh,
# production settings, the real Redis broker) send N due webhook deliveries over E endpoints to a fast local
# receiver. Usage: deliveries.sh [deliveries] [endpoints]
source "$(dirname "$0")/common.sh"
fresh_database payproc_bench_deliveries
export CELERY_BROKER_URL=redis://127.0.0.1:6379/12 REDIS_URL=redis://127.0.0.1:6379/11 WEBHOOK_ALLOWED_HOSTS=127.0.0.1
redis-cli -n 11 flushdb >/dev/null; redis-cli -n 12 flushdb >/dev/null
python scripts/bench/deliveries.py "${1:-2000}" "${2:-8}"
