#!/bin/sh
# Roles of the payproc image. `exec` hands SIGTERM straight to the process, which finishes its
# current batch or task and exits (graceful shutdown).
set -eu
role="${1:-web}"
shift || true
export PAYPROC_ROLE="$role"  # names the liveness file (payproc.processes.Pulse)
case "$role" in
  # Run as the schema's owner; DATABASE_APP_ROLE names the role the other roles connect as, which may then
  # only read and append to the audit log (audit/db_roles.py).
  migrate) python manage.py migrate --noinput
           [ -z "${DATABASE_APP_ROLE:-}" ] || python manage.py grant_app_role "$DATABASE_APP_ROLE"
           exec python manage.py import_card_bins --if-empty ;;
  # Several worker processes per replica (WEB_CONCURRENCY, default CPU + 1) on PORT (default 8080);
  # /metrics adds up all of them. More replicas go behind the proxy.
  web) exec gunicorn --config config/gunicorn.conf.py "$@" ;;
  relay) exec python manage.py relay_outbox "$@" ;;
  consumer) exec python manage.py consume_events "$@" ;;
  analytics) exec python manage.py analytics_sink "$@" ;;
  # Forked children, two per core by default (WORKER_CONCURRENCY): a batch spends about half its time
  # waiting on PostgreSQL, Redis or the provider, and one child per core fell behind under load while
  # two per core kept up (e2e, 16 connections: p95 494 ms instead of 4-6 s). Their metrics go to files
  # in PROMETHEUS_MULTIPROC_DIR, which the worker's metrics port adds up. Without gossip, mingle and
  # heartbeat (worker-to-worker events payproc does not use): closing gossip's channel on a Redis
  # reconnect is where kombu's known race ("'NoneType' object has no attribute 'hostname'", kombu #582)
  # killed the worker; without them it reconnects in-process.
  worker) export PROMETHEUS_MULTIPROC_DIR="${PROMETHEUS_MULTIPROC_DIR:-$(mktemp -d -t payproc-worker-metrics.XXXXXX)}"
          mkdir -p "$PROMETHEUS_MULTIPROC_DIR" && find "$PROMETHEUS_MULTIPROC_DIR" -name '*.db' -delete
          exec celery -A payproc worker --pool prefork --loglevel "${LOG_LEVEL:-INFO}" --queues celery \
            --without-gossip --without-mingle --without-heartbeat --concurrency "${WORKER_CONCURRENCY:-$(( $(nproc) * 2 ))}" "$@" ;;
  # Outbound deliveries (webhooks, Telegram) on their own queue: a slow receiver holds only these
  # children, each send under a hard time limit, at most OUTBOUND_<CHANNEL>_MAX_IN_FLIGHT per receiver.
  # They mostly wait on the network, hence more children than cores (DELIVERY_CONCURRENCY, default 8).
  deliveries) export PROMETHEUS_MULTIPROC_DIR="${PROMETHEUS_MULTIPROC_DIR:-$(mktemp -d -t payproc-deliveries-metrics.XXXXXX)}"
          mkdir -p "$PROMETHEUS_MULTIPROC_DIR" && find "$PROMETHEUS_MULTIPROC_DIR" -name '*.db' -delete
          exec celery -A payproc worker --pool prefork --loglevel "${LOG_LEVEL:-INFO}" \
            --queues "${OUTBOUND_QUEUE:-deliveries}" --hostname "deliveries@%h" \
            --without-gossip --without-mingle --without-heartbeat \
            --concurrency "${DELIVERY_CONCURRENCY:-8}" "$@" ;;
  beat) exec celery -A payproc beat --loglevel "${LOG_LEVEL:-INFO}" --schedule /tmp/celerybeat-schedule "$@" ;;
  manage) exec python manage.py "$@" ;;
  *) echo "unknown role: $role (migrate|web|relay|consumer|analytics|worker|deliveries|beat|manage)" >&2; exit 2 ;;
esac
