"""The API against its own OpenAPI schema: schemathesis, every check, over a real HTTP connection.

Positive cases must be accepted, negative ones refused with a documented status, no 5xx, responses
match their schemas, auth is enforced. The hooks (contract_hooks.py) only repair rules OpenAPI cannot
state; schemathesis.toml gives each security scheme its secret.
"""

import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from transactions.api_keys import create_merchant

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
MIN_REQUESTS = 2000


def _pay(base: str, key: str) -> None:
    body = {"amount": "5.00", "currency": "USD", "card_number": "4242424242424242", "expiry_month": 12}
    body |= {"expiry_year": 2034, "cvv": "123"}
    response = requests.post(f"{base}/transaction", json=body, headers={"Authorization": f"Bearer {key}"}, timeout=10)
    assert response.status_code == 202, response.text


def run_schemathesis(
    base: str,
    key: str,
    workdir: Path,
    *,
    alertmanager_token: str,
    telegram_secret: str,
    max_amount_minor: int,
    options: list[str],
    seed: int = 1,
) -> subprocess.CompletedProcess:
    """schemathesis's CLI against a running API, with the hooks, the secrets and a cursor the API handed out
    (two payments are made first so that a page has a next cursor)."""
    for _ in range(2):
        _pay(base, key)
    page = requests.get(f"{base}/transactions?limit=1", headers={"Authorization": f"Bearer {key}"}, timeout=10).json()
    env = os.environ | {
        "CONTRACT_API_KEY": key,
        "CONTRACT_ALERTMANAGER_TOKEN": alertmanager_token,
        "CONTRACT_TELEGRAM_SECRET": telegram_secret,
        "CONTRACT_CURSOR": parse_qs(urlparse(page["next"]).query)["cursor"][0],
        "CONTRACT_MAX_AMOUNT_MINOR": str(max_amount_minor),
        "SCHEMATHESIS_HOOKS": "tests.api.contract_hooks",
        "PYTHONPATH": str(ROOT),
    }
    command = [
        str(Path(sys.executable).with_name("st")), "--config-file", str(HERE / "schemathesis.toml"),
        "run", f"{base}/schema?format=json", *options, "--seed", str(seed), "--no-color",
    ]  # fmt: skip
    return subprocess.run(command, env=env, cwd=workdir, capture_output=True, text=True, timeout=900, check=False)


@pytest.mark.django_db(transaction=True)
def test_the_api_keeps_its_openapi_contract(live_server, settings, tmp_path):
    settings.RATE_LIMIT_PER_API_KEY = "1000000/second"
    settings.RATE_LIMIT_FAILED_AUTH_PER_IP = "1000000/second"
    settings.ALERTMANAGER_WEBHOOK_TOKEN = "contract-alertmanager-token"
    settings.TELEGRAM_WEBHOOK_SECRET = "contract-telegram-secret"
    _, issued = create_merchant(name="Contract")
    run = run_schemathesis(
        live_server.url, issued.secret, tmp_path,
        alertmanager_token=settings.ALERTMANAGER_WEBHOOK_TOKEN, telegram_secret=settings.TELEGRAM_WEBHOOK_SECRET,
        max_amount_minor=settings.PAYMENT_MAX_AMOUNT_MINOR, options=["--checks", "all", "--max-examples", "100"],
    )  # fmt: skip

    report = run.stdout[-6000:] + run.stderr[-2000:]
    assert run.returncode == 0, report
    generated = int(re.search(r"(\d+) generated", run.stdout).group(1))
    assert generated >= MIN_REQUESTS, report
    assert "failures" not in run.stdout.splitlines()[-1], report
