import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _boot(*, then: str = "print('booted')", **env: str) -> subprocess.CompletedProcess:
    """Production settings booted in a fresh interpreter with `env`, then `then` run."""
    clean = {
        k: v for k, v in os.environ.items() if k not in {"DJANGO_SECRET_KEY", "CARD_FINGERPRINT_KEY", "DJANGO_DEBUG"}
    }
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {then}"],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "payproc.settings.production", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_without_secret_refuses_to_boot_with_a_clear_message():
    result = _boot(CARD_FINGERPRINT_KEY="k")

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_production_without_fingerprint_key_refuses_to_boot():
    result = _boot(DJANGO_SECRET_KEY="s")

    assert result.returncode != 0
    assert "CARD_FINGERPRINT_KEY is not set" in result.stderr


def test_production_with_secrets_boots():
    result = _boot(DJANGO_SECRET_KEY="s", CARD_FINGERPRINT_KEY="k")

    assert result.returncode == 0, result.stderr
    assert "booted" in result.stdout


def test_debug_in_a_production_environment_changes_nothing_that_makes_it_safe():
    result = _boot(
        then="from django.conf import settings as s; "
        "print(s.DEBUG, s.WEBHOOK_ALLOW_PRIVATE_URLS, s.SANDBOX_PROVIDER_HTTP)",
        DJANGO_DEBUG="true",
        WEBHOOK_ALLOW_PRIVATE_URLS="true",
        SANDBOX_PROVIDER_HTTP="true",
        DJANGO_SECRET_KEY="s",
        CARD_FINGERPRINT_KEY="k",
    )
    assert result.stdout.split() == ["False", "False", "False"], result.stderr


def test_debug_in_a_production_environment_does_not_let_the_development_secrets_apply():
    result = _boot(DJANGO_DEBUG="true")

    assert result.returncode != 0
    assert "is empty or a development default: production refuses to start" in result.stderr
    assert _boot(DJANGO_SECRET_KEY="s", CARD_FINGERPRINT_KEY=" ").returncode != 0


def test_a_retry_delay_longer_than_the_broker_visibility_timeout_refuses_to_boot():
    result = _boot(
        DJANGO_SECRET_KEY="s",
        CARD_FINGERPRINT_KEY="k",
        CELERY_VISIBILITY_TIMEOUT_SECONDS="60",
        EVENT_HANDLER_BACKOFF_MAX_SECONDS="90",
    )

    assert result.returncode != 0
    assert "must be below CELERY_VISIBILITY_TIMEOUT_SECONDS" in result.stderr


def test_the_celery_transport_gives_a_killed_workers_messages_back_in_minutes():
    from django.conf import settings

    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] == 120
    assert settings.EVENT_HANDLER_BACKOFF_MAX_SECONDS < 120
    assert (
        settings.CELERY_BEAT_SCHEDULE["redrive-pending-payments"]["task"] == "antifraud.tasks.redrive_pending_payments"
    )


def test_a_bot_token_without_chat_ids_refuses_to_boot_with_a_clear_message():
    result = _boot(
        DJANGO_SECRET_KEY="s", CARD_FINGERPRINT_KEY="k", TELEGRAM_BOT_TOKEN="123:abc", ALERTS_DEFAULT_CHAT_IDS=""
    )

    assert result.returncode != 0
    assert "ALERTS_DEFAULT_CHAT_IDS is empty" in result.stderr
    assert (
        _boot(
            DJANGO_SECRET_KEY="s",
            CARD_FINGERPRINT_KEY="k",
            TELEGRAM_BOT_TOKEN="123:abc",
            ALERTS_DEFAULT_CHAT_IDS="-100",
        ).returncode
        == 0
    )
