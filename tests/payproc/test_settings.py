import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _boot(**env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v for k, v in os.environ.items() if k not in {"DJANGO_SECRET_KEY", "CARD_FINGERPRINT_KEY", "DJANGO_DEBUG"}
    }
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('booted')"],
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
