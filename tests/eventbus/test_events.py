"""Event envelopes and their schemas (no broker needed)."""

import json

import pytest

from eventbus.adapters.kafka import encode
from eventbus.envelope import StoredEnvelope, build_envelope
from eventbus.models import OutboxEvent
from eventbus.schemas import InvalidEvent, validate_envelope
from tests.conftest import VISA
from transactions.services import transition_transaction


def test_created_and_status_changed_envelopes_match_their_schemas(post_payment):
    tx_id = post_payment().json()["id"]
    transition_transaction(transaction_id=tx_id, to="review", actor="antifraud", reason="score 70")

    rows = list(OutboxEvent.objects.order_by("id"))
    assert [row.event_type for row in rows] == ["payments.transaction.created", "payments.transaction.status_changed"]
    for row in rows:
        validate_envelope(row.envelope)
        assert row.envelope["key"] == tx_id
        assert str(row.event_id) == row.envelope["event_id"]
        assert VISA not in json.dumps(row.envelope)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda e: e.pop("event_id"),
        lambda e: e.update(version="1"),
        lambda e: e.update(type="Not A Type"),
        lambda e: e.update(extra=1),
        lambda e: e["data"].pop("amount_minor"),
        lambda e: e["data"]["card"].update(number=VISA),
        lambda e: e["data"]["card"].update(bin="42424242"),
        lambda e: e.update(version=99),
    ],
)
def test_schema_rejects_malformed_envelopes(post_payment, mutate):
    post_payment()
    envelope = OutboxEvent.objects.get().envelope
    mutate(envelope)

    with pytest.raises(InvalidEvent):
        validate_envelope(envelope)


def test_event_type_without_a_schema_cannot_be_produced():
    with pytest.raises(InvalidEvent):
        build_envelope(event_type="payments.transaction.exploded", key="k", data={})


def test_a_stored_envelope_gives_its_header_fields_without_parsing_and_the_rest_on_demand(post_payment):
    post_payment()
    envelope = OutboxEvent.objects.get().envelope
    stored = StoredEnvelope(
        json.dumps(envelope), event_id=envelope["event_id"], event_type=envelope["type"], trace=None
    )

    assert (stored["type"], stored.get("event_id"), stored.get("trace")) == (
        envelope["type"],
        envelope["event_id"],
        None,
    )
    assert stored._parsed is None  # what the relay and the Kafka publisher read costs no parse
    assert encode(stored) == stored.text.encode()
    assert stored["data"] == envelope["data"]
    assert dict(stored) == envelope
