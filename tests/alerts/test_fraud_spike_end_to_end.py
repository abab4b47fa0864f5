"""From the API to Telegram in the embedded mode: a burst of high-risk payments is one message."""

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from alerts.models import AlertRule, Incident
from antifraud.models import FraudRule
from antifraud.services.rule_sets import save_rule
from tests.conftest import payment


@pytest.fixture
def embedded(settings, transactional_db, api_key, bot_api):
    settings.KAFKA_BOOTSTRAP_SERVERS = []
    settings.OUTBOX_INLINE_RELAY = True
    settings.ALERTS_DEFAULT_CHAT_IDS = ["-100777"]
    call_command("load_alert_rules")
    save_rule(
        rule=FraudRule(name="huge", rule_type="amount_above", score=95, parameters={"thresholds": {"USD": 10000}}),
        actor="test",
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key}")
    return client


def test_a_fraud_spike_sends_one_telegram_message(embedded, bot_api, merchant):
    threshold = AlertRule.objects.get(name="fraud-spike").threshold
    for number in range(threshold + 4):
        response = embedded.post(
            "/transaction", payment(amount="500.00", merchant_reference=f"o-{number}"), format="json"
        )
        assert response.status_code == 202

    incident = Incident.objects.get(rule__name="fraud-spike")
    assert incident.match_count == 4
    assert incident.group_key == f"merchant={merchant.pk}"
    messages = bot_api.sent("sendMessage")
    assert len(messages) == 1
    assert messages[0]["chat_id"] == "-100777" and str(merchant.pk) in messages[0]["text"]
    assert "4242424242424242" not in messages[0]["text"]
