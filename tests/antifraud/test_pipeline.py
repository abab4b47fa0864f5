"""The whole path in the embedded mode: API → outbox → scoring → decision → provider → status."""

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from antifraud.models import FraudRule, RiskThresholds
from antifraud.services.lists import add_list_entry
from tests.conftest import payment


@pytest.fixture
def embedded(settings, transactional_db, api_key):
    settings.KAFKA_BOOTSTRAP_SERVERS = []
    settings.OUTBOX_INLINE_RELAY = True
    call_command("load_fraud_rules")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key}")
    return client


def _pay(client: APIClient, **overrides) -> dict:
    response = client.post("/transaction", data=payment(**overrides), format="json")
    assert response.status_code == 202, response.json()
    return client.get(f"/transaction/{response.json()['id']}").json()


def test_clean_payment_is_approved_and_explained(embedded):
    body = _pay(embedded)

    assert body["status"] == "approved"
    assert body["fraud"]["decision"] == "approve"
    # A customer's first payment: the e-mail is new (a small signal on its own), nothing else fired.
    assert body["fraud"]["score"] == 15
    assert [rule["rule"] for rule in body["fraud"]["rules"]] == ["new_email_90d"]
    assert body["decline_reason"] is None


@pytest.mark.parametrize(
    ("card", "status", "reason"),
    [
        ("4000000000000002", "declined", "do_not_honor"),
        ("4000000000009995", "declined", "insufficient_funds"),
        ("4000000000000119", "failed", "processing_error"),
        ("4000000000000341", "failed", "provider_timeout"),
    ],
)
def test_sandbox_test_cards(embedded, card, status, reason):
    body = _pay(embedded, card_number=card)

    assert (body["status"], body["decline_reason"]) == (status, reason)
    assert body["fraud"]["decision"] == "approve"


def test_risky_payment_goes_to_review_with_reasons_and_no_rule_parameters(embedded):
    body = _pay(embedded, amount="1500.00", customer={"country": "GB", "email": "x@example.com"})

    assert body["status"] == "review"
    fraud = body["fraud"]
    assert fraud["decision"] == "review" and 50 <= fraud["score"] < 80
    assert {rule["rule"] for rule in fraud["rules"]} == {
        "first_seen_card_high_amount",
        "bin_country_mismatch",
        "new_email_90d",
    }
    assert all(set(rule) == {"rule", "type", "score", "observed"} for rule in fraud["rules"])


def test_card_velocity_is_scored_with_what_was_observed(embedded):
    bodies = [_pay(embedded, customer={"country": "US", "email": "v@example.com"}) for _ in range(4)]

    assert [b["fraud"]["score"] for b in bodies] == [15, 0, 0, 45]  # the first: a new e-mail
    fired = bodies[3]["fraud"]["rules"]
    assert fired == [
        {
            "rule": "card_velocity_1m",
            "type": "velocity",
            "score": 45,
            "observed": "4 payments for this card in 60 s, limit 3",
        }
    ]


def test_block_listed_email_is_declined_for_fraud(embedded):
    add_list_entry(list_type="block", kind="email", value="fraudster@example.com")

    body = _pay(embedded, customer={"email": "fraudster@example.com"})

    assert (body["status"], body["decline_reason"]) == ("declined", "fraud_suspected")


def test_load_and_export_rules_round_trip(embedded, capsys):
    assert FraudRule.objects.count() >= 8
    assert RiskThresholds.objects.get(merchant=None).review_at == 50

    call_command("export_fraud_rules")
    exported = capsys.readouterr().out
    FraudRule.objects.filter(name="large_amount").update(score=1)
    call_command("load_fraud_rules")

    assert FraudRule.objects.get(name="large_amount").score == 30
    assert "card_velocity_1m" in exported and "window_seconds: 60" in exported
