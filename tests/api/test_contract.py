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


@pytest.mark.django_db(transaction=True)
def test_the_api_keeps_its_openapi_contract(live_server, settings, tmp_path):
    settings.RATE_LIMIT_PER_API_KEY = "1000000/second"
    settings.RATE_LIMIT_FAILED_AUTH_PER_IP = "1000000/second"
    settings.ALERTMANAGER_WEBHOOK_TOKEN = "contract-alertmanager-token"
    settings.TELEGRAM_WEBHOOK_SECRET = "contract-telegram-secret"
    _, issued = create_merchant(name="Contract")
    for _ in range(2):
        _pay(live_server.url, issued.secret)
    page = requests.get(
        f"{live_server.url}/transactions?limit=1", headers={"Authorization": f"Bearer {issued.secret}"}, timeout=10
    ).json()
    env = os.environ | {
        "CONTRACT_API_KEY": issued.secret,
        "CONTRACT_ALERTMANAGER_TOKEN": settings.ALERTMANAGER_WEBHOOK_TOKEN,
        "CONTRACT_TELEGRAM_SECRET": settings.TELEGRAM_WEBHOOK_SECRET,
        "CONTRACT_CURSOR": parse_qs(urlparse(page["next"]).query)["cursor"][0],
        "CONTRACT_MAX_AMOUNT_MINOR": str(settings.PAYMENT_MAX_AMOUNT_MINOR),
        "SCHEMATHESIS_HOOKS": "tests.api.contract_hooks",
        "PYTHONPATH": str(ROOT),
    }
    command = [
        str(Path(sys.executable).with_name("st")),
        "--config-file",
        str(HERE / "schemathesis.toml"),
        "run",
        f"{live_server.url}/schema?format=json",
        "--checks",
        "all",
        "--max-examples",
        "100",
        "--seed",
        "1",
        "--no-color",
    ]
    run = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=900, check=False)

    report = run.stdout[-6000:] + run.stderr[-2000:]
    assert run.returncode == 0, report
    generated = int(re.search(r"(\d+) generated", run.stdout).group(1))
    assert generated >= MIN_REQUESTS, report
    assert "failures" not in run.stdout.splitlines()[-1], report
