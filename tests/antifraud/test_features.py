"""Features logged at decision time: what scoring saw, stored with the decision and in the analytics
store, with the labels that existed then and never card data."""

import json

import pytest
from django.conf import settings

from antifraud.analytics import rows_from_events
from antifraud.events import FEATURES
from antifraud.features import BASE_FEATURES
from antifraud.merchant_profiles import build_profile, forget_profiles
from antifraud.models import FraudDecision
from antifraud.services.decisions import decide_transaction
from eventbus.handlers import run_batch
from eventbus.models import OutboxEvent
from tests.conftest import VISA

GERMAN_CARD = "4556737586899855"  # BIN 455673: DE in config/bin_countries.csv


def _decide(make_payment, **overrides) -> FraudDecision:
    tx = make_payment(**overrides)
    return decide_transaction(transaction_id=tx.id)


def _events_of(tx_id) -> list[dict]:
    return [event.envelope for event in OutboxEvent.objects.filter(key=str(tx_id)).order_by("id")]


def test_a_decision_stores_what_scoring_counted_for_its_card_email_and_device(make_payment, rule):
    rule("new_email_90d", "first_seen", 15, key="email", window_seconds=7776000)
    first = _decide(make_payment, device_id="phone-1")
    second = _decide(
        make_payment,
        device_id="phone-1",
        customer={"email": "other@example.com", "ip": "203.0.113.7", "country": "US"},
    )

    assert first.features["card_payments_90d"] == 1 and second.features["card_payments_90d"] == 2
    assert second.features["emails_per_card_1h"] == 2 and second.features["device_payments_24h"] == 2
    assert first.features["amount"] == 49.99 and first.features["currency"] == 840  # ISO 4217 number of USD
    assert first.features["card_foreign"] == 0
    assert first.features["rule:new_email_90d"] == 1 and second.features["rule:new_email_90d"] == 1
    assert set(first.features) - {"rule:new_email_90d"} <= set(BASE_FEATURES)


def test_a_payment_without_device_has_no_device_features_rather_than_zeros(make_payment):
    decision = _decide(make_payment)

    assert "device_payments_24h" not in decision.features and "device_fraud_labels" not in decision.features
    assert decision.features["email_fraud_labels"] == 0


def test_a_card_issued_abroad_and_the_merchants_share_of_foreign_cards(make_payment):
    for _ in range(3):
        make_payment()
    forget_profiles()
    decision = _decide(make_payment, card_number=GERMAN_CARD)

    assert decision.features["card_foreign"] == 1
    assert decision.features["merchant_foreign_card_share"] == 0.25  # the 4 latest, this one included
    assert build_profile(str(decision.transaction.merchant_id)).typical_amount_minor == {"USD": 4999}


def test_only_labels_that_existed_when_a_payment_was_scored_count(api, make_payment):
    before = _decide(make_payment)
    reported = before.transaction
    response = api.post(
        f"/transaction/{reported.id}/fraud_report",
        data=json.dumps({"reason": "fraudulent"}),
        content_type="application/json",
    )
    assert response.status_code == 200
    assert run_batch(handler_name="antifraud.label_history", envelopes=_events_of(reported.id)) == []

    after = _decide(make_payment, customer={"email": "new@example.com", "ip": "198.51.100.9", "country": "US"})

    assert after.features["card_fraud_labels"] == 1  # the same card, reported since
    assert after.features["email_fraud_labels"] == 0  # another e-mail
    before.refresh_from_db()
    assert before.features["card_fraud_labels"] == 0  # stored as it was scored


def test_a_label_delivered_twice_counts_once(api, make_payment):
    reported = _decide(make_payment).transaction
    api.post(
        f"/transaction/{reported.id}/fraud_report",
        data=json.dumps({"reason": "suspicious"}),
        content_type="application/json",
    )
    for _ in range(2):
        run_batch(handler_name="antifraud.label_history", envelopes=_events_of(reported.id))

    assert _decide(make_payment).features["card_fraud_labels"] == 1


def test_a_not_fraud_report_is_no_fraud_label(api, make_payment):
    reported = _decide(make_payment).transaction
    api.post(
        f"/transaction/{reported.id}/fraud_report",
        data=json.dumps({"reason": "not_fraud"}),
        content_type="application/json",
    )
    run_batch(handler_name="antifraud.label_history", envelopes=_events_of(reported.id))

    assert _decide(make_payment).features["card_fraud_labels"] == 0


def test_features_travel_on_their_own_topic_to_the_analytics_store_without_card_data(make_payment, clickhouse):
    decision = _decide(make_payment, device_id="phone-1")
    envelopes = _events_of(decision.transaction_id)
    [features_event] = [envelope for envelope in envelopes if envelope["type"] == FEATURES]
    [decision_event] = [envelope for envelope in envelopes if envelope["type"] == "antifraud.decision"]

    clickhouse.write(**rows_from_events(envelopes)._asdict())

    [(names, values)] = clickhouse.client.execute(
        f"SELECT feature_names, feature_values FROM {clickhouse.database}.decision_features"
    )
    assert dict(zip(names, values, strict=True)) == decision.features
    assert "features" not in decision_event["data"]  # the decision's consumers never carry them
    assert features_event["data"]["decisions"][0]["transaction_id"] == str(decision.transaction_id)
    assert OutboxEvent.objects.get(event_type=FEATURES).topic == settings.TOPIC_FEATURES
    published = json.dumps(envelopes)
    assert VISA not in published and VISA[-10:] not in published and '"123"' not in published


def test_a_batch_of_decisions_is_one_features_event(make_payment):
    from antifraud.services.decisions import decide_transactions

    payments = [make_payment(customer={"email": f"p{n}@example.com", "country": "US"}) for n in range(3)]
    decide_transactions(transaction_ids=[tx.id for tx in payments])

    [event] = OutboxEvent.objects.filter(event_type=FEATURES)
    assert {item["transaction_id"] for item in event.envelope["data"]["decisions"]} == {str(tx.id) for tx in payments}


@pytest.mark.parametrize("store", ["redis", "memory"])
def test_an_update_with_an_empty_member_reads_the_window_without_adding_to_it(store, settings):
    from django_redis import get_redis_connection

    from antifraud.adapters.memory_velocity import MemoryVelocityStore
    from antifraud.adapters.ports import WindowUpdate
    from antifraud.adapters.redis_velocity import RedisVelocityStore

    velocity = RedisVelocityStore(get_redis_connection("default")) if store == "redis" else MemoryVelocityStore()
    velocity.record_many(
        [WindowUpdate("fraud:card:x", "tx-1", 0, 1000.0, 100), WindowUpdate("fraud:card:x", "tx-2", 0, 1050.0, 100)]
    )

    reads = velocity.record_many(
        [WindowUpdate("fraud:card:x", "", 0, 1060.0, 100), WindowUpdate("fraud:card:x", "", 0, 1120.0, 100)]
    )

    assert [stats.count for stats in reads] == [2, 1]  # at 1120 the label of 1000 has left the window
    assert velocity.record_many([WindowUpdate("fraud:card:x", "", 0, 1060.0, 100)])[0].count == 2  # nothing swept
