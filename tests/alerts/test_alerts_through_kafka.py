"""The deployed path: decisions published to Kafka reach the alert rules through the bridge, once."""

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from alerts.models import AlertRule, Incident, Notification
from antifraud.models import FraudDecision, FraudRule
from antifraud.services.rule_sets import save_rule
from eventbus.consumer import build_bridge
from eventbus.relay import relay_pending
from tests.conftest import payment
from tests.eventbus.conftest import eventually, kafka  # noqa: F401 - the shared Kafka fixture
from tests.eventbus.test_kafka_celery_bridge import pump


@pytest.mark.django_db(transaction=True)
def test_decisions_on_kafka_open_one_incident_and_redelivery_changes_nothing(kafka, settings, api_key):  # noqa: F811
    settings.TOPIC_DECISIONS = kafka["topic"].replace("payments.transactions", "antifraud.decisions")
    topics = [kafka["topic"], settings.TOPIC_DECISIONS]
    call_command("load_alert_rules")
    threshold = AlertRule.objects.get(name="fraud-spike").threshold
    save_rule(
        rule=FraudRule(name="huge", rule_type="amount_above", score=95, parameters={"thresholds": {"USD": 100}}),
        actor="test",
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key}")
    count = threshold + 2
    for number in range(count):
        response = client.post(
            "/transaction", payment(amount="900.00", merchant_reference=f"k-{number}"), format="json"
        )
        assert response.status_code == 202

    bridge = build_bridge(group_id=kafka["group"], topics=topics)
    try:
        relay_pending()  # created events
        pump(bridge, lambda: FraudDecision.objects.count() == count)
        relay_pending()  # decision and status events
        pump(bridge, lambda: Incident.objects.filter(match_count=count - threshold).exists())
    finally:
        bridge.close()

    incident = Incident.objects.get()
    assert incident.rule.name == "fraud-spike" and incident.severity == "critical"
    assert Notification.objects.filter(kind="message").count() == 1

    # A second group reads every event again (created, decision, declined for each payment).
    again = build_bridge(group_id=f"{kafka['group']}-replay", topics=topics)
    redelivered = [0]

    def everything_redelivered() -> bool:
        redelivered[0] += again.poll_once(timeout_ms=1000)
        return redelivered[0] >= 3 * count

    try:
        assert eventually(everything_redelivered, timeout=150)
    finally:
        again.close()
    incident.refresh_from_db()
    assert incident.match_count == count - threshold
    assert Notification.objects.filter(kind="message").count() == 1
