# Sourced by http.sh and pipeline.sh: production settings against the local services, each process
# started as the image starts it (docker/entrypoint.sh ROLE), wrk (Debian package) as the client.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
BENCH="$ROOT/scripts/bench"
export PATH="$ROOT/.venv/bin:$PATH"
command -v wrk >/dev/null || { apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }; }
scripts/services.sh up >/dev/null 2>&1 || { echo "scripts/services.sh up failed"; exit 1; }
LOGS=$(mktemp -d)
export DJANGO_SETTINGS_MODULE=payproc.settings.production DJANGO_SECRET_KEY=bench CARD_FINGERPRINT_KEY=bench \
  KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:9092 KAFKA_ENABLE_IDEMPOTENCE=false RATE_LIMIT_PER_API_KEY=1000000/second \
  DJANGO_ALLOWED_HOSTS='*' LOG_LEVEL=WARNING SESSION_COOKIE_SECURE=false CSRF_COOKIE_SECURE=false

fresh_database() {  # NAME: an empty database, migrated, with a merchant whose key is exported as KEY
  psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1" >/dev/null 2>&1
  export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$1"
  python manage.py migrate --noinput >/dev/null 2>&1 || { echo "migrate failed"; exit 1; }
  KEY=$(python manage.py create_merchant bench 2>&1 | grep -oE 'sk_(test|live)_[A-Za-z0-9_-]+' | head -1)
  export KEY
}

start_role() {  # ROLE: runs in the background; its pid is in $!
  sh docker/entrypoint.sh "$1" >>"$LOGS/$1.log" 2>&1 &
}

wait_for_http() {  # URL
  for _ in $(seq 120); do curl -s -o /dev/null "$1" && return 0; sleep 0.5; done
  echo "no answer from $1 (logs in $LOGS)"; exit 1
}
