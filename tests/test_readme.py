"""The README's curl examples, run as written against a live server."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command

from alerts.models import Incident
from transactions.api_keys import create_merchant
from transactions.models import Transaction

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCK_SEPARATOR = "=====README-BLOCK====="


def api_example_blocks() -> list[str]:
    """The API section's shell blocks, then every other README shell block that calls the API."""
    text = README.read_text()
    before, rest = text.split("<!-- api-examples:start -->", 1)
    section, after = rest.split("<!-- api-examples:end -->", 1)
    blocks = re.findall(r"```bash\n(.*?)```", section, flags=re.DOTALL)
    others = re.findall(r"```bash\n(.*?)```", before + after, flags=re.DOTALL)
    return blocks + [block for block in others if "curl" in block]


def _documents(output: str) -> list[dict]:
    decoder, documents, index = json.JSONDecoder(), [], 0
    while index < len(output):
        if output[index].isspace():
            index += 1
            continue
        document, index = decoder.raw_decode(output, index)
        documents.append(document)
    return documents


@pytest.mark.django_db(transaction=True)
def test_readme_curl_examples_work_as_written(live_server, settings):
    assert shutil.which("curl"), "curl is needed to run the README examples"
    settings.ALERTMANAGER_WEBHOOK_TOKEN = "readme-token"
    settings.OUTBOX_INLINE_RELAY = True  # as in `make run`: events in-process, the payment decided at once
    call_command("load_alert_rules")
    _, issued = create_merchant(name="README merchant")
    blocks = api_example_blocks()
    assert len(blocks) >= 5
    script = f"\necho {BLOCK_SEPARATOR}\n".join(blocks).replace("http://127.0.0.1:8080", live_server.url)
    script = script.replace("export API_KEY=sk_test_replace_me", f"export API_KEY={issued.secret}")

    script = "export ALERTMANAGER_WEBHOOK_TOKEN=readme-token\n" + script
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True, timeout=120)

    assert result.returncode == 0, result.stderr
    outputs = [_documents(chunk) for chunk in result.stdout.split(BLOCK_SEPARATOR)]
    _, created, fetched, listed, refund, error, health, webhook, analytics, alertmanager = outputs
    assert created[0]["status"] == "pending" and created[0]["amount"] == "49.99"
    assert fetched[0]["id"] == created[0]["id"]  # the idempotent retry returned the same payment
    assert fetched[0]["status"] == "approved"
    assert [t["id"] for t in listed[0]["results"]] == [created[0]["id"]]
    assert (refund[0]["status"], refund[0]["amount"], refund[0]["transaction_id"]) == (
        "succeeded",
        "10.00",
        created[0]["id"],
    )
    assert error[0]["error"]["code"] == "amount_too_precise"
    assert (webhook[0]["object"], webhook[0]["status"]) == ("webhook_endpoint", "enabled")
    assert webhook[0]["secret"].startswith("whsec_")
    assert health[0] == {"status": "ok"}
    assert health[1]["status"] == "ok"
    assert analytics[0]["payments"] == 1 and analytics[0]["bucket"] == "hour"
    assert alertmanager[0] == {"fired": 1, "resolved": 0}
    assert Incident.objects.get().summary == "OutboxBacklog: outbox backing up"
    assert Transaction.objects.count() == 1
