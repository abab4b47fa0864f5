"""Settings shared by every environment. The environment is read here, once; code asks `settings`."""

import base64
import hashlib
import hmac
import tempfile
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent


class _SecretFiles(environ.FileAwareMapping):
    """NAME_FILE, where set, names a file that holds NAME (a mounted Kubernetes Secret, a Docker secret):
    secrets then never sit in the process environment. The value is read without a trailing newline,
    which would otherwise change a key (and every card fingerprint made with it)."""

    def __getitem__(self, key: str) -> str:
        value = super().__getitem__(key)
        return value.rstrip("\r\n") if self.env.get(f"{key}_FILE") else value


class _Env(environ.Env):
    ENVIRON = _SecretFiles()


env = _Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)


def require_secret(name: str, *, dev_default: str | None = None) -> str:
    """Return a secret from the environment; outside DEBUG a missing secret stops the boot."""
    value = env.str(name, default="")
    if value:
        return value
    if DEBUG and dev_default is not None:
        return dev_default
    raise ImproperlyConfigured(
        f"{name} is not set. payproc refuses to start with DEBUG off and no {name}: "
        f"set it in the environment (see README, 'Configuration')."
    )


SECRET_KEY = require_secret("DJANGO_SECRET_KEY", dev_default="dev-only-insecure-secret-key-change-me")
# Key for the card fingerprint HMAC. Rotating it changes every fingerprint, so keep it stable.
CARD_FINGERPRINT_KEY = require_secret("CARD_FINGERPRINT_KEY", dev_default="dev-only-card-fingerprint-key")
# Fernet keys (`python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`)
# for secrets kept in the database, comma-separated, newest first: the first encrypts, every one decrypts
# (rotation: put a new key first, run `manage.py rotate_encryption_key`, then drop the old one). Unset,
# one key is derived from SECRET_KEY: a database dump alone still reveals nothing.
_DERIVED_FIELD_KEY = hmac.new(SECRET_KEY.encode(), b"payproc field encryption", hashlib.sha256).digest()
FIELD_ENCRYPTION_KEYS = [key for key in env.list("FIELD_ENCRYPTION_KEYS", default=[]) if key.strip()] or [
    base64.urlsafe_b64encode(_DERIVED_FIELD_KEY).decode()
]

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "audit",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "access",
    "eventbus",
    "transactions",
    "antifraud",
    "alerts",
    "webhooks",
    "outbound",
    "django_prometheus",
    "payproc.observability.apps.ObservabilityConfig",
]

MIDDLEWARE = [
    "payproc.http.probe_host.ProbeHostMiddleware",
    "payproc.observability.http_metrics.HttpMetricsMiddleware",
    "payproc.http.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "payproc.http.console_middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "payproc.http.console_middleware.AuthenticationMiddleware",
    "payproc.http.console_middleware.OTPMiddleware",
    "payproc.http.console_middleware.MessageMiddleware",
    "payproc.http.console_middleware.AxesMiddleware",
    "payproc.http.console_middleware.SessionLifetimeMiddleware",
    "access.middleware.TwoFactorMiddleware",
    "payproc.http.console_middleware.ContentSecurityPolicyMiddleware",
    "payproc.http.console_middleware.PermissionsPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "payproc.http.middleware.AccessLogMiddleware",
]

# Paths of the browser console (the Django admin, the analytics page under it): only these get sessions,
# logins and messages (payproc/http/console_middleware.py); the API authenticates with its keys. CSRF
# stays Django's own middleware for every path (the API's views are exempt; it costs next to nothing).
CONSOLE_PATH_PREFIXES = env.tuple("CONSOLE_PATH_PREFIXES", default=("/admin/",))
# Pages a browser renders (the console and Swagger UI): these carry the browser security policies below.
BROWSER_PATH_PREFIXES = (*CONSOLE_PATH_PREFIXES, "/docs")
# Only payproc's own, vendored assets; no inline script or style, no framing, no plugins (django-csp).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Browser features the console never uses are off (django-permissions-policy).
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: [] for feature in ("camera", "microphone", "geolocation", "payment", "usb", "serial", "bluetooth")
}
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- Back-office access (access/) -------------------------------------------------------------
# Failed logins lock an account/address pair (django-axes): after ADMIN_LOGIN_FAILURE_LIMIT failures
# for ADMIN_LOCKOUT_MINUTES (PCI DSS 8.3.4: at most 10, at least 30 minutes). A Risk admin unlocks.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env.int("ADMIN_LOGIN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("ADMIN_LOCKOUT_MINUTES", default=30))
# An account locks after AXES_FAILURE_LIMIT failures from any addresses (PCI DSS 8.3.4): a guesser who
# spreads over many addresses is stopped too; and an address after as many failures across accounts (one
# guesser spraying many). A Risk admin unlocks them (Access attempts), else the cool-off.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# Failures for one account from this many addresses within the cool-off: a distributed attack (alerted).
ADMIN_DISTRIBUTED_ATTACK_ADDRESSES = env.int("ADMIN_DISTRIBUTED_ATTACK_ADDRESSES", default=3)
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "payproc.http.client_ip.client_ip"  # honours TRUSTED_PROXIES like the API
AXES_ENABLE_ADMIN = False  # access/admin.py registers the attempts with an audited unlock action
AXES_VERBOSE = False
# axes looks for its middleware by name; payproc runs it as a console-only subclass (console_middleware.py).
SILENCED_SYSTEM_CHECKS = ["axes.W002"]
# Console sessions (PCI DSS 8.2.8): signed out after ADMIN_SESSION_IDLE_MINUTES without a request
# (the cookie's age slides with each request) and ADMIN_SESSION_MAX_HOURS after signing in, whatever.
SESSION_COOKIE_AGE = 60 * env.int("ADMIN_SESSION_IDLE_MINUTES", default=15)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_HTTPONLY = True
ADMIN_SESSION_MAX_AGE = timedelta(hours=env.int("ADMIN_SESSION_MAX_HOURS", default=8))
# Changing rules, thresholds, lists, merchants or API keys needs a sign-in at most this old (access/reauth.py).
ADMIN_REAUTH_MINUTES = env.int("ADMIN_REAUTH_MINUTES", default=15)
# Two-factor sign-in (PCI DSS 8.4; django-otp, access/mfa.py): every staff user enrols an authenticator
# app when this is on (the default; `make run`'s demo turns it off). Enrolled users always give a code.
ADMIN_MFA_REQUIRED = env.bool("ADMIN_MFA_REQUIRED", default=True)
OTP_TOTP_ISSUER = env.str("ADMIN_MFA_ISSUER", default="payproc")

ROOT_URLCONF = "payproc.urls"
WSGI_APPLICATION = "payproc.wsgi.application"
ASGI_APPLICATION = "payproc.asgi.application"
APPEND_SLASH = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'payproc.sqlite3'}")}
# django-prometheus's wrappers of the same backends count queries, errors and latency; on PostgreSQL
# payproc's own backend adds to it (payproc/db/postgresql: bulk inserts as plain VALUES).
DATABASES["default"]["ENGINE"] = (
    DATABASES["default"]["ENGINE"]
    .replace("django.db.backends.postgresql", "payproc.db.postgresql")
    .replace("django.db.backends.", "django_prometheus.db.backends.")
)
if "sqlite" in DATABASES["default"]["ENGINE"]:
    # The embedded default serves many threads from one process (`make run`, gunicorn threads): WAL lets
    # readers run beside the writer, IMMEDIATE transactions take the write lock when they begin (no
    # upgrade deadlock between two readers turned writers), and a writer waits up to 20 s for the lock
    # instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
# The hot insert of POST /transaction is a prepared statement. Turn off behind a pooler in transaction
# mode that cannot keep prepared statements (PgBouncer before 1.21, or without max_prepared_statements).
DATABASE_PREPARED_STATEMENTS = env.bool("DATABASE_PREPARED_STATEMENTS", default=True)
if DATABASE_PREPARED_STATEMENTS and "postgresql" in DATABASES["default"]["ENGINE"]:
    # Django turns psycopg's preparing off (threshold None), which ignores even an explicit prepare=True.
    # A threshold no query reaches prepares only the statements that ask for it.
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 2**62
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis backs the cache and the rate limits when REDIS_URL is set; otherwise both stay in memory.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_prometheus.cache.backends.redis.RedisCache",  # django-redis, with hit/miss metrics
            "LOCATION": REDIS_URL,
            "TIMEOUT": 300,
            "OPTIONS": {
                # A cache outage must not fail a payment: reads miss, writes are dropped.
                "IGNORE_EXCEPTIONS": True,
                # JSON, not django-redis's default pickle: whoever can write to Redis must not be able to
                # run code in payproc by planting a pickle (every cached value is JSON data anyway).
                "SERIALIZER": "django_redis.serializers.json.JSONSerializer",
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
            },
        }
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
    RATE_LIMIT_STORAGE_URL = env.str("RATE_LIMIT_STORAGE_URL", default=REDIS_URL)
else:
    CACHES = {"default": {"BACKEND": "django_prometheus.cache.backends.locmem.LocMemCache", "TIMEOUT": 300}}
    RATE_LIMIT_STORAGE_URL = env.str("RATE_LIMIT_STORAGE_URL", default="memory://")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"

# --- HTTP API -------------------------------------------------------------------------------
# Requests larger than this are refused with 413 before parsing.
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=64 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = API_MAX_BODY_BYTES
# CIDRs of reverse proxies whose X-Forwarded-For is believed. Empty: REMOTE_ADDR is the client.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
RATE_LIMIT_PER_API_KEY = env.str("RATE_LIMIT_PER_API_KEY", default="100/second")
RATE_LIMIT_FAILED_AUTH_PER_IP = env.str("RATE_LIMIT_FAILED_AUTH_PER_IP", default="30/minute")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["transactions.api.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["transactions.api.permissions.IsMerchant"],
    "DEFAULT_THROTTLE_CLASSES": ["transactions.throttling.ApiKeyRateThrottle"],
    # JSON only: the browsable API would echo request bodies (card numbers) back as HTML.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["payproc.http.parsers.StrictJSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "payproc.http.errors.exception_handler",
    "UNAUTHENTICATED_USER": None,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "payproc API",
    "DESCRIPTION": (
        "Card payments for merchants. Authenticate with `Authorization: Bearer <api key>`. "
        "Amounts are decimal strings (or JSON numbers) in major units; `amount_minor` is the integer "
        "in the currency's ISO 4217 minor units. Every error has the same shape: "
        '`{"error": {"type", "code", "message", "param", "request_id"}}`.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Alertmanager's `status` (firing/resolved) is not the payment status.
    "ENUM_NAME_OVERRIDES": {
        "AlertmanagerStatusEnum": ["firing", "resolved"],
        "PaymentStatusEnum": "transactions.models.Status",
        # Refunds and webhook deliveries share one set: pending, then succeeded or failed.
        "SettlementStatusEnum": "transactions.models.RefundStatus",
        "WebhookEndpointStatusEnum": "webhooks.models.EndpointStatus",
    },
    # The webhooks take their own secrets (alerts/api/authentication.py), not a merchant's key.
    "APPEND_COMPONENTS": {
        "securitySchemes": {
            "AlertmanagerToken": {"type": "http", "scheme": "bearer", "description": "ALERTMANAGER_WEBHOOK_TOKEN"},
            "TelegramSecretToken": {
                "type": "apiKey",
                "in": "header",
                "name": "X-Telegram-Bot-Api-Secret-Token",
                "description": "TELEGRAM_WEBHOOK_SECRET, as given to setWebhook",
            },
        }
    },
}

# --- Payments -------------------------------------------------------------------------------
# Largest accepted amount, in minor units of the payment's currency.
PAYMENT_MAX_AMOUNT_MINOR = env.int("PAYMENT_MAX_AMOUNT_MINOR", default=99_999_999)
IDEMPOTENCY_KEY_TTL_SECONDS = env.int("IDEMPOTENCY_KEY_TTL_SECONDS", default=24 * 3600)
# A claim older than this with no response is treated as abandoned (its request died).
IDEMPOTENCY_IN_FLIGHT_TIMEOUT_SECONDS = env.int("IDEMPOTENCY_IN_FLIGHT_TIMEOUT_SECONDS", default=60)
TRANSACTION_CACHE_SECONDS = env.int("TRANSACTION_CACHE_SECONDS", default=300)
API_KEY_MODE = env.str("API_KEY_MODE", default="test")  # test | live: prefix of new keys
# A rotated key keeps working this long beside its replacement, so the merchant can switch over.
API_KEY_ROTATION_OVERLAP_HOURS = env.float("API_KEY_ROTATION_OVERLAP_HOURS", default=24.0)
PAYMENT_PROVIDER = env.str("PAYMENT_PROVIDER", default="sandbox")  # sandbox | http
PROVIDER_HTTP_URL = env.str("PROVIDER_HTTP_URL", default="")
PROVIDER_HTTP_API_KEY = env.str("PROVIDER_HTTP_API_KEY", default="")
PROVIDER_TIMEOUT_SECONDS = env.float("PROVIDER_TIMEOUT_SECONDS", default=5.0)
PROVIDER_RETRIES = env.int("PROVIDER_RETRIES", default=2)
PROVIDER_CIRCUIT_FAIL_MAX = env.int("PROVIDER_CIRCUIT_FAIL_MAX", default=5)
PROVIDER_CIRCUIT_RESET_SECONDS = env.int("PROVIDER_CIRCUIT_RESET_SECONDS", default=30)
# Serve the sandbox provider over HTTP at /sandbox/provider/authorizations (for the http adapter).
SANDBOX_PROVIDER_HTTP = env.bool("SANDBOX_PROVIDER_HTTP", default=DEBUG)
SANDBOX_PROVIDER_DELAY_SECONDS = env.float("SANDBOX_PROVIDER_DELAY_SECONDS", default=10.0)
# Capture and refunds (transactions/captures.py, transactions/refunds.py).
# An authorization (capture_method manual) not captured within this many days is canceled by beat.
CAPTURE_WINDOW_DAYS = env.int("CAPTURE_WINDOW_DAYS", default=7)
# A refund still pending this long after it was made (no answer from the provider) is asked again by beat.
REFUND_RETRY_AFTER_SECONDS = env.int("REFUND_RETRY_AFTER_SECONDS", default=60)

# --- Webhooks to merchants (webhooks/) -------------------------------------------------------
# Production accepts only https:// endpoints resolving to public addresses, or hosts listed here (SSRF).
WEBHOOK_ALLOW_PRIVATE_URLS = env.bool("WEBHOOK_ALLOW_PRIVATE_URLS", default=DEBUG)
WEBHOOK_ALLOWED_HOSTS = env.list("WEBHOOK_ALLOWED_HOSTS", default=[])
# Each endpoint is a share of the delivery workers (OUTBOUND_WEBHOOKS_MAX_IN_FLIGHT each).
WEBHOOK_MAX_ENDPOINTS_PER_MERCHANT = env.int("WEBHOOK_MAX_ENDPOINTS_PER_MERCHANT", default=16)

# --- Events ---------------------------------------------------------------------------------
EVENT_PRODUCER = env.str("EVENT_PRODUCER", default="payproc")
EVENT_SCHEMA_DIR = env.str("EVENT_SCHEMA_DIR", default=str(BASE_DIR / "config" / "events"))
TOPIC_TRANSACTIONS = env.str("TOPIC_TRANSACTIONS", default="payments.transactions")
TOPIC_DECISIONS = env.str("TOPIC_DECISIONS", default="antifraud.decisions")
TOPIC_INCIDENTS = env.str("TOPIC_INCIDENTS", default="alerts.incidents")
TOPIC_PROVIDER = env.str("TOPIC_PROVIDER", default="payments.provider")
# The fraud model's inputs per decision batch: read by the analytics sink alone, not by the event bridge.
TOPIC_FEATURES = env.str("TOPIC_FEATURES", default="antifraud.features")
DLQ_SUFFIX = env.str("DLQ_SUFFIX", default=".dlq")
# Kafka when set; otherwise events are handled in-process (the embedded default).
KAFKA_BOOTSTRAP_SERVERS = env.list("KAFKA_BOOTSTRAP_SERVERS", default=[])
KAFKA_CLIENT_ID = env.str("KAFKA_CLIENT_ID", default="payproc")
KAFKA_CONSUMER_GROUP = env.str("KAFKA_CONSUMER_GROUP", default="payproc-bridge")
KAFKA_TOPIC_PARTITIONS = env.int("KAFKA_TOPIC_PARTITIONS", default=6)
KAFKA_SESSION_TIMEOUT_MS = env.int("KAFKA_SESSION_TIMEOUT_MS", default=10_000)
KAFKA_HEARTBEAT_INTERVAL_MS = env.int("KAFKA_HEARTBEAT_INTERVAL_MS", default=3_000)
KAFKA_MAX_POLL_RECORDS = env.int("KAFKA_MAX_POLL_RECORDS", default=200)
# After the first messages of a batch arrive, the bridge keeps collecting for this long: a trickle of
# events becomes one task per handler (scoring a batch costs little more than scoring one). Measured
# (e2e, 16 connections): 60 ms took the worker from 21 % of the pipeline's CPU to 18 % against 25 ms,
# with one connection's p95 unchanged (216/189 against 235/189 ms); 100 ms raised that p95 to 267 ms.
KAFKA_BRIDGE_LINGER_MS = env.int("KAFKA_BRIDGE_LINGER_MS", default=60)
# The longest a fetch waits at the broker for new data: the floor of the consumer's latency.
KAFKA_FETCH_MAX_WAIT_MS = env.int("KAFKA_FETCH_MAX_WAIT_MS", default=50)
# Also the rebalance timeout a group waits for members to rejoin.
KAFKA_MAX_POLL_INTERVAL_MS = env.int("KAFKA_MAX_POLL_INTERVAL_MS", default=300_000)
KAFKA_PRODUCER_TIMEOUT_MS = env.int("KAFKA_PRODUCER_TIMEOUT_MS", default=10_000)
# Idempotent producer: no duplicates from producer retries on real Kafka. The in-memory Tansu broker
# used by tests and `make services-up` stalls consumers behind idempotent producers: turn it off there.
KAFKA_ENABLE_IDEMPOTENCE = env.bool("KAFKA_ENABLE_IDEMPOTENCE", default=True)
# Topics the Kafka → Celery bridge consumes.
EVENT_BRIDGE_TOPICS = env.list(
    "EVENT_BRIDGE_TOPICS", default=[TOPIC_TRANSACTIONS, TOPIC_DECISIONS, TOPIC_INCIDENTS, TOPIC_PROVIDER]
)
OUTBOX_BATCH_SIZE = env.int("OUTBOX_BATCH_SIZE", default=500)
# The relay wakes on PostgreSQL notifications when events are committed; it polls this often anyway.
OUTBOX_POLL_INTERVAL_SECONDS = env.float("OUTBOX_POLL_INTERVAL_SECONDS", default=1.0)
# Relay right after each commit, in the same process: the embedded default's way to run handlers.
OUTBOX_INLINE_RELAY = env.bool("OUTBOX_INLINE_RELAY", default=not KAFKA_BOOTSTRAP_SERVERS)
# Published outbox rows are deleted after this long (Kafka keeps the events; its default retention is a
# week too). Unsent rows are kept however old.
OUTBOX_RETENTION_HOURS = env.int("OUTBOX_RETENTION_HOURS", default=7 * 24)
EVENT_HANDLER_MAX_RETRIES = env.int("EVENT_HANDLER_MAX_RETRIES", default=6)
EVENT_HANDLER_BACKOFF_SECONDS = env.int("EVENT_HANDLER_BACKOFF_SECONDS", default=2)
EVENT_HANDLER_BACKOFF_MAX_SECONDS = env.int("EVENT_HANDLER_BACKOFF_MAX_SECONDS", default=90)

# --- Anti-fraud -----------------------------------------------------------------------------
# Global thresholds until a RiskThresholds row overrides them (admin).
FRAUD_REVIEW_AT = env.int("FRAUD_REVIEW_AT", default=50)
FRAUD_DECLINE_AT = env.int("FRAUD_DECLINE_AT", default=80)
# Maker-checker: rules and thresholds change only through a proposal that another Risk admin approves.
FRAUD_RULES_MAKER_CHECKER = env.bool("FRAUD_RULES_MAKER_CHECKER", default=True)
FRAUD_RULES_FILE = env.str("FRAUD_RULES_FILE", default=str(BASE_DIR / "config" / "antifraud_rules.yaml"))
ALERT_RULES_FILE = env.str("ALERT_RULES_FILE", default=str(BASE_DIR / "config" / "alert_rules.yaml"))
# Issuer countries by BIN prefix that win over the imported BIN table (test cards, your corrections).
BIN_COUNTRIES_FILE = env.str("BIN_COUNTRIES_FILE", default=str(BASE_DIR / "config" / "bin_countries.csv"))
# How long a process keeps a BIN's country from the table: a new import is seen within this.
BIN_LOOKUP_CACHE_SECONDS = env.int("BIN_LOOKUP_CACHE_SECONDS", default=600)

# A merchant's risk profile (share of foreign cards, typical amount), a model input: read from its latest
# payments, kept in each process for this long.
FRAUD_MERCHANT_PROFILE_PAYMENTS = env.int("FRAUD_MERCHANT_PROFILE_PAYMENTS", default=5000)
FRAUD_MERCHANT_PROFILE_SECONDS = env.int("FRAUD_MERCHANT_PROFILE_SECONDS", default=600)

# The learned model (antifraud/learning/): the fewest fraud labels, and as many legitimate ones, that a
# training period needs (the validation period a quarter of that).
FRAUD_MODEL_MIN_FRAUD_LABELS = env.int("FRAUD_MODEL_MIN_FRAUD_LABELS", default=40)
FRAUD_MODEL_LABEL_DELAY_DAYS = env.int("FRAUD_MODEL_LABEL_DELAY_DAYS", default=7)

# --- Analytics ------------------------------------------------------------------------------
# ClickHouse when CLICKHOUSE_URL is set (clickhouse://host:9000/database); otherwise summaries are
# computed from the main database (the embedded default).
CLICKHOUSE_URL = env.str("CLICKHOUSE_URL", default="")
CLICKHOUSE_MIGRATIONS_DIR = env.str(
    "CLICKHOUSE_MIGRATIONS_DIR", default=str(BASE_DIR / "config" / "clickhouse" / "migrations")
)
ANALYTICS_CONSUMER_GROUP = env.str("ANALYTICS_CONSUMER_GROUP", default="payproc-analytics")
# Without CLICKHOUSE_URL: "chdb" runs the same SQL on chDB in-process (when installed), "database" uses the main DB.
ANALYTICS_EMBEDDED = env.str("ANALYTICS_EMBEDDED", default="chdb")
CHDB_PATH = env.str("CHDB_PATH", default=str(BASE_DIR / "var" / "chdb"))
ANALYTICS_BATCH_SIZE = env.int("ANALYTICS_BATCH_SIZE", default=500)
ANALYTICS_FLUSH_SECONDS = env.float("ANALYTICS_FLUSH_SECONDS", default=2.0)

# --- Celery ---------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
# Without a broker tasks run in-process (the embedded default).
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL)
# Eager tasks still take a producer from the broker pool: without a broker, keep it in memory (no AMQP).
CELERY_BROKER_URL = CELERY_BROKER_URL or "memory://localhost/"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Tasks keep their database connections (payproc/celery.py recycles them like requests do): Celery's
# Django fix-up would close them before and after every task, unless told to reuse them this many times.
CELERY_DB_REUSE_MAX = 2**31
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A broker that goes away is waited for, however long, in-process (retrying with backoff), never given up
# on: the worker keeps its children and prefetched nothing (acks late, prefetch 1).
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
if CELERY_BROKER_URL.startswith("redis://"):
    CELERY_BROKER_TRANSPORT = "payproc.broker:Transport"  # kombu's Redis transport, rides out Redis restarts
# A message a worker took and never acknowledged (the worker was killed) goes back to the queue after
# this long; Redis's default is an hour. Retries wait in the worker as unacknowledged messages, so this
# must stay above the longest retry delay, or a waiting retry would be delivered a second time.
CELERY_VISIBILITY_TIMEOUT_SECONDS = env.int("CELERY_VISIBILITY_TIMEOUT_SECONDS", default=120)
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT_SECONDS}
if EVENT_HANDLER_BACKOFF_MAX_SECONDS >= CELERY_VISIBILITY_TIMEOUT_SECONDS:
    raise ImproperlyConfigured(
        f"EVENT_HANDLER_BACKOFF_MAX_SECONDS ({EVENT_HANDLER_BACKOFF_MAX_SECONDS}) must be below "
        f"CELERY_VISIBILITY_TIMEOUT_SECONDS ({CELERY_VISIBILITY_TIMEOUT_SECONDS}): a retry waiting longer than "
        "the visibility timeout is delivered again."
    )
# How long a payment may wait in the analysts' review queue before PayprocReviewQueueOverSla fires.
REVIEW_SLA_SECONDS = env.int("REVIEW_SLA_SECONDS", default=4 * 3600)
# Recovery: payments still pending this long after creation are driven on by a beat sweep
# (antifraud/recovery.py), at most PENDING_REDRIVE_BATCH per sweep.
PENDING_REDRIVE_AFTER_SECONDS = env.int("PENDING_REDRIVE_AFTER_SECONDS", default=30)
PENDING_REDRIVE_BATCH = env.int("PENDING_REDRIVE_BATCH", default=500)
PENDING_SWEEP_INTERVAL_SECONDS = env.float("PENDING_SWEEP_INTERVAL_SECONDS", default=10.0)
# --- Outbound deliveries (outbound/): one engine for webhooks and on-call notifications ---------
# Every channel has the same five settings, OUTBOUND_<CHANNEL>_...: an attempt's total deadline (resolving,
# connecting, sending and reading the answer); exponential backoff with jitter between the base and the
# cap; the retry window after which a failure is final (a webhook endpoint is then disabled); and how many
# messages to one target (an endpoint, a chat) may be queued or sending at once.
OUTBOUND_WEBHOOKS_DEADLINE_SECONDS = env.float("OUTBOUND_WEBHOOKS_DEADLINE_SECONDS", default=10.0)
OUTBOUND_WEBHOOKS_BACKOFF_BASE_SECONDS = env.float("OUTBOUND_WEBHOOKS_BACKOFF_BASE_SECONDS", default=30.0)
OUTBOUND_WEBHOOKS_BACKOFF_MAX_SECONDS = env.float("OUTBOUND_WEBHOOKS_BACKOFF_MAX_SECONDS", default=3 * 3600.0)
OUTBOUND_WEBHOOKS_RETRY_WINDOW_SECONDS = env.float("OUTBOUND_WEBHOOKS_RETRY_WINDOW_SECONDS", default=72 * 3600.0)
OUTBOUND_WEBHOOKS_MAX_IN_FLIGHT = env.int("OUTBOUND_WEBHOOKS_MAX_IN_FLIGHT", default=2)
OUTBOUND_TELEGRAM_DEADLINE_SECONDS = env.float("OUTBOUND_TELEGRAM_DEADLINE_SECONDS", default=10.0)
OUTBOUND_TELEGRAM_BACKOFF_BASE_SECONDS = env.float("OUTBOUND_TELEGRAM_BACKOFF_BASE_SECONDS", default=5.0)
OUTBOUND_TELEGRAM_BACKOFF_MAX_SECONDS = env.float("OUTBOUND_TELEGRAM_BACKOFF_MAX_SECONDS", default=600.0)
OUTBOUND_TELEGRAM_RETRY_WINDOW_SECONDS = env.float("OUTBOUND_TELEGRAM_RETRY_WINDOW_SECONDS", default=24 * 3600.0)
OUTBOUND_TELEGRAM_MAX_IN_FLIGHT = env.int("OUTBOUND_TELEGRAM_MAX_IN_FLIGHT", default=4)
# At most this much of an answer's body is read (streaming); the rest is never received.
OUTBOUND_RESPONSE_MAX_BYTES = env.int("OUTBOUND_RESPONSE_MAX_BYTES", default=4096)
# Messages leased per dispatch, and how long a queued send may wait for a worker before it is queued again
# (the task that finally runs late then does nothing: its lease is gone).
OUTBOUND_DISPATCH_BATCH = env.int("OUTBOUND_DISPATCH_BATCH", default=200)
OUTBOUND_QUEUE_LEASE_SECONDS = env.float("OUTBOUND_QUEUE_LEASE_SECONDS", default=300.0)
OUTBOUND_DISPATCH_INTERVAL_SECONDS = env.float("OUTBOUND_DISPATCH_INTERVAL_SECONDS", default=5.0)
# A committed message asks a delivery worker to dispatch at once. Without a broker (eager Celery, the
# embedded default) that dispatch would send in the committing request's own thread, where one slow
# receiver holds the API (schemathesis found requests waiting minutes): there, the periodic dispatch above
# (`manage.py run_periodic`, which `make run` starts) sends instead. The tests keep it inline.
OUTBOUND_DISPATCH_ON_COMMIT = env.bool("OUTBOUND_DISPATCH_ON_COMMIT", default=not CELERY_TASK_ALWAYS_EAGER)
# The engine's tasks run on a queue of their own, served by the `deliveries` worker role: a send never
# waits in front of payment scoring, and scoring never waits behind a slow receiver.
OUTBOUND_QUEUE = env.str("OUTBOUND_QUEUE", default="deliveries")
CELERY_TASK_ROUTES = {"outbound.tasks.*": {"queue": OUTBOUND_QUEUE}}
# Beat touches its liveness file on every tick (payproc/celery.py).
CELERY_BEAT_SCHEDULER = "payproc.celery:PulsingScheduler"
CELERY_BEAT_SCHEDULE = {
    "relay-outbox-safety-net": {"task": "eventbus.tasks.relay_outbox", "schedule": 30.0},
    "beat-heartbeat": {"task": "payproc.observability.tasks.beat_heartbeat", "schedule": 30.0},
    "redrive-pending-payments": {
        "task": "antifraud.tasks.redrive_pending_payments",
        "schedule": PENDING_SWEEP_INTERVAL_SECONDS,
    },
    "purge-idempotency-keys": {"task": "transactions.tasks.purge_idempotency_keys", "schedule": 3600.0},
    "purge-published-events": {"task": "eventbus.tasks.purge_published_events", "schedule": 3600.0},
    "expire-authorizations": {"task": "transactions.tasks.expire_authorizations", "schedule": 600.0},
    "retry-pending-refunds": {"task": "transactions.tasks.retry_pending_refunds", "schedule": 60.0},
    "escalate-incidents": {"task": "alerts.tasks.escalate_incidents", "schedule": 30.0},
    "resolve-quiet-incidents": {"task": "alerts.tasks.resolve_quiet_incidents", "schedule": 60.0},
    "check-outbox-backlog": {"task": "alerts.tasks.check_outbox_backlog", "schedule": 60.0},
    # A new shadow candidate every week; it goes live only when two Risk admins say so.
    "train-fraud-model": {"task": "antifraud.tasks.train_candidate_model", "schedule": 7 * 86400.0},
    "measure-model-drift": {"task": "antifraud.tasks.measure_model_drift", "schedule": 86400.0},
    # The audit log's copy off the main database (antifraud/audit_archive.py), with ClickHouse.
    "ship-audit-entries": {"task": "antifraud.tasks.ship_audit_entries", "schedule": 60.0},
    # Last, so that `run_periodic --once` sends what the tasks above queued.
    "dispatch-outbound": {"task": "outbound.tasks.dispatch_messages", "schedule": OUTBOUND_DISPATCH_INTERVAL_SECONDS},
}

# --- Alerts -----------------------------------------------------------------------------------
# Links in alert messages point here (the admin as operators reach it).
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8080")
# Without a bot token, notifications are printed by the console notifier (embedded default).
TELEGRAM_BOT_TOKEN = env.str("TELEGRAM_BOT_TOKEN", default="")
TELEGRAM_API_BASE_URL = env.str("TELEGRAM_API_BASE_URL", default="https://api.telegram.org/bot")
# Telegram sends it in X-Telegram-Bot-Api-Secret-Token with every webhook call (setWebhook secret_token).
TELEGRAM_WEBHOOK_SECRET = env.str("TELEGRAM_WEBHOOK_SECRET", default="")
# Chats notified by rules that have no escalation policy.
ALERTS_DEFAULT_CHAT_IDS = env.list("ALERTS_DEFAULT_CHAT_IDS", default=[])
if TELEGRAM_BOT_TOKEN and not ALERTS_DEFAULT_CHAT_IDS:
    # Otherwise every rule without a policy, and every level without chats, would send to nobody.
    raise ImproperlyConfigured(
        "TELEGRAM_BOT_TOKEN is set but ALERTS_DEFAULT_CHAT_IDS is empty: alerts would go to no chat. "
        "Set ALERTS_DEFAULT_CHAT_IDS to the on-call chat ids (comma-separated), or unset the token."
    )
ALERTMANAGER_WEBHOOK_TOKEN = env.str("ALERTMANAGER_WEBHOOK_TOKEN", default="")
# An acknowledged incident nobody resolves fires again after this long (0: never), as in Grafana OnCall.
ALERTS_ACK_TIMEOUT_SECONDS = env.int("ALERTS_ACK_TIMEOUT_SECONDS", default=3600)

# --- Logging --------------------------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_FORMAT = env.str("LOG_FORMAT", default="json")  # json | text
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "payproc.http.logging.RequestIdFilter"},
        "redact_card_numbers": {"()": "payproc.http.logging.CardNumberRedactionFilter"},
        "redact_secrets": {"()": "payproc.http.logging.SecretRedactionFilter"},
    },
    "formatters": {
        "json": {
            "()": "payproc.http.logging.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(trace_id)s %(span_id)s",
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id", "redact_card_numbers", "redact_secrets"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.server": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "kafka": {"level": "WARNING"},
        # Celery logs every task's arguments (event payloads with customer data) at INFO.
        "celery.app.trace": {"level": "WARNING"},
        # httpx logs every request URL at INFO, and Bot API URLs contain the bot token.
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
        # python-telegram-bot logs Bot API URLs (with the token) at DEBUG.
        "telegram": {"level": "WARNING"},
    },
}

# --- Metrics and tracing ----------------------------------------------------------------------
# /metrics on the web process: requests from these networks, or with `Authorization: Bearer METRICS_TOKEN`.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_NETWORKS = env.list(
    "METRICS_ALLOWED_NETWORKS", default=["127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]
)
# Relay, consumer, worker and analytics sink serve /metrics on a port of their own (0: off).
METRICS_PORT = env.int("METRICS_PORT", default=0)
METRICS_BIND_ADDRESS = env.str("METRICS_BIND_ADDRESS", default="127.0.0.1")
# Where the roles without an API touch their liveness file (payproc.processes.Pulse, docker/alive.sh).
LIVENESS_DIR = env.str("LIVENESS_DIR", default=str(Path(tempfile.gettempdir()) / "payproc-liveness"))
# Set (by config/gunicorn.conf.py and docker/entrypoint.sh) where one role runs several processes:
# prometheus_client's multiprocess mode, and every process's metrics are exposed together.
PROMETHEUS_MULTIPROC_DIR = env.str("PROMETHEUS_MULTIPROC_DIR", default="")
# Tracing follows the standard OpenTelemetry variables; it is off (and free) unless an exporter is set.
OTEL_EXPORTER_OTLP_ENDPOINT = env.str("OTEL_EXPORTER_OTLP_ENDPOINT", default="")
OTEL_SERVICE_NAME = env.str("OTEL_SERVICE_NAME", default="payproc")
TRACING_ENABLED = bool(OTEL_EXPORTER_OTLP_ENDPOINT) or env.str("OTEL_TRACES_EXPORTER", default="none") not in (
    "",
    "none",
)
