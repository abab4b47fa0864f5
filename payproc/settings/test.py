"""Test settings: the suite runs against real PostgreSQL and Redis (see scripts/services.sh)."""

import os

os.environ.setdefault("DJANGO_DEBUG", "false")
os.environ.setdefault("DJANGO_SECRET_KEY", "test-secret-key")
os.environ.setdefault("CARD_FINGERPRINT_KEY", "test-card-fingerprint-key")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/payproc")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
# Tests that need Kafka or a Celery worker turn them on through fixtures (tests/fixtures/).
os.environ.setdefault("OUTBOX_INLINE_RELAY", "false")
# Tasks run eagerly unless a test starts a worker; the broker is set anyway so producers never fall
# back to Celery's default (AMQP on localhost).
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/14")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
os.environ.setdefault("OUTBOUND_DISPATCH_ON_COMMIT", "true")  # deliveries inline, as the tests expect
os.environ.setdefault("KAFKA_SESSION_TIMEOUT_MS", "6000")
os.environ.setdefault("KAFKA_HEARTBEAT_INTERVAL_MS", "1000")
os.environ.setdefault("KAFKA_MAX_POLL_INTERVAL_MS", "10000")
os.environ.setdefault("KAFKA_PRODUCER_TIMEOUT_MS", "3000")
os.environ.setdefault("KAFKA_ENABLE_IDEMPOTENCE", "false")  # see base.py
os.environ.setdefault("SANDBOX_PROVIDER_HTTP", "true")
# The main-database store unless a test asks for chDB (tests/antifraud/test_chdb_analytics.py).
os.environ.setdefault("ANALYTICS_EMBEDDED", "database")
# Webhook tests send to receivers on 127.0.0.1; tests/webhooks/test_addresses.py turns the check on.
os.environ.setdefault("WEBHOOK_ALLOW_PRIVATE_URLS", "true")
# Console tests sign in with force_login; tests/access/test_mfa.py turns two-factor sign-in on.
os.environ.setdefault("ADMIN_MFA_REQUIRED", "false")
# Rule edits in the admin apply at once; tests/antifraud/test_proposals.py turns maker-checker on.
os.environ.setdefault("FRAUD_RULES_MAKER_CHECKER", "false")

from .base import *  # noqa: F403

ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DATABASES["default"]["CONN_MAX_AGE"] = 0
if "postgresql" in DATABASES["default"]["ENGINE"]:
    # The test runner empties tables with TRUNCATE between transactional tests; the audit log's TRUNCATE
    # guard lets a session with this setting through (audit/migrations/0002_append_only_truncate.py).
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = f"{_options.get('options', '')} -c payproc.allow_audit_truncate=on".strip()
