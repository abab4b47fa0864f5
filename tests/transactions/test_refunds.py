"""Refunds: partial and repeated, never more than captured (also under 50 concurrent requests), idempotent,
pending while the provider does not answer and settled by beat later."""

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.db import IntegrityError, transaction

from antifraud.services.decisions import decide_transaction
from eventbus.models import OutboxEvent
from tests.conftest import error_of
from transactions.adapters.http_provider import reset_circuit_breaker
from transactions.models import Refund, Transaction
from transactions.refunds import retry_pending_refunds


def _captured(post_payment, **overrides) -> str:
    tx_id = post_payment(**overrides).json()["id"]
    decide_transaction(transaction_id=tx_id)
    assert Transaction.objects.get(pk=tx_id).status == "approved"
    return tx_id


@pytest.fixture
def captured(post_payment) -> str:
    """An approved (captured) payment of 49.99 USD."""
    return _captured(post_payment)


def _refund(api, tx_id, body=None, **headers):
    return api.post(
        f"/transaction/{tx_id}/refunds", data=json.dumps(body or {}), content_type="application/json", **headers
    )


def test_partial_refunds_add_up_and_the_last_one_makes_the_payment_refunded(
    captured, api, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # each refund drops the cached payment
        first = _refund(api, captured, {"amount": "10.00", "reason": "one item returned"})

    assert first.status_code == 201
    assert {k: first.json()[k] for k in ("object", "status", "amount", "amount_minor", "currency", "reason")} == {
        "object": "refund",
        "status": "succeeded",
        "amount": "10.00",
        "amount_minor": 1000,
        "currency": "USD",
        "reason": "one item returned",
    }
    payment = api.get(f"/transaction/{captured}").json()
    assert (payment["status"], payment["amount_refunded"]) == ("approved", "10.00")

    with django_capture_on_commit_callbacks(execute=True):
        rest = _refund(api, captured)  # no amount: all that is left
    assert rest.json()["amount_minor"] == 3999
    payment = api.get(f"/transaction/{captured}").json()
    assert (payment["status"], payment["amount_refunded_minor"]) == ("refunded", 4999)
    listed = api.get(f"/transaction/{captured}/refunds").json()
    assert listed["object"] == "list" and [r["amount_minor"] for r in listed["data"]] == [1000, 3999]
    assert error_of(_refund(api, captured))["code"] == "payment_not_refundable"


def test_each_settled_refund_is_an_event_ordered_with_its_payment(captured, api):
    _refund(api, captured, {"amount": "49.99"})

    events = list(OutboxEvent.objects.filter(key=captured).order_by("id").values_list("event_type", flat=True))
    assert events[-2:] == ["payments.transaction.status_changed", "payments.refund.succeeded"]
    data = OutboxEvent.objects.get(event_type="payments.refund.succeeded").envelope["data"]
    assert (data["amount_minor"], data["payment_amount_refunded_minor"]) == (4999, 4999)


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"amount": "50.00"}, 409, "amount_exceeds_refundable"),
        ({"amount": "1.234"}, 400, "amount_too_precise"),
        ({"amount": "-1"}, 400, "invalid_amount"),
        ({"amount": "1.00", "reason": "card 4242 4242 4242 4242"}, 400, "card_data_not_allowed"),
        ({"amount": "1.00", "surprise": 1}, 400, "unknown_field"),
    ],
)
def test_bad_refunds_are_refused_and_hold_nothing(captured, api, body, status, code):
    response = _refund(api, captured, body)

    assert response.status_code == status and error_of(response)["code"] == code
    assert not Refund.objects.exists()


def test_a_payment_not_captured_cannot_be_refunded(post_payment, api):
    declined = _captured_or(post_payment, card_number="4000000000000002")
    assert Transaction.objects.get(pk=declined).status == "declined"
    assert error_of(_refund(api, declined))["code"] == "payment_not_refundable"

    manual = _captured_or(post_payment, capture_method="manual")
    assert error_of(_refund(api, manual))["code"] == "payment_not_refundable"  # authorized, not yet captured


def _captured_or(post_payment, **overrides) -> str:
    tx_id = post_payment(**overrides).json()["id"]
    decide_transaction(transaction_id=tx_id)
    return tx_id


def test_a_partial_capture_limits_the_refunds(post_payment, api):
    tx_id = _captured_or(post_payment, capture_method="manual")
    api.post(f"/transaction/{tx_id}/capture", data=json.dumps({"amount": "20.00"}), content_type="application/json")

    assert error_of(_refund(api, tx_id, {"amount": "20.01"}))["code"] == "amount_exceeds_refundable"
    assert _refund(api, tx_id).json()["amount_minor"] == 2000


def test_a_retry_with_the_key_replays_the_refund_instead_of_refunding_again(captured, api):
    first = _refund(api, captured, {"amount": "5.00"}, HTTP_IDEMPOTENCY_KEY="refund-1")
    retry = _refund(api, captured, {"amount": "5.00"}, HTTP_IDEMPOTENCY_KEY="refund-1")

    assert retry.status_code == 201 and retry["Idempotent-Replayed"] == "true"
    assert retry.json() == first.json() and retry.json()["status"] == "succeeded"
    assert Refund.objects.count() == 1
    other = _refund(api, captured, {"amount": "6.00"}, HTTP_IDEMPOTENCY_KEY="refund-1")
    assert error_of(other)["code"] == "idempotency_key_reused"


def test_a_refund_the_provider_refuses_fails_and_frees_its_amount(post_payment, api):
    tx_id = _captured(post_payment, card_number="4000000000000705")  # the sandbox refuses its refunds

    failed = _refund(api, tx_id, {"amount": "49.99"})
    assert (failed.status_code, failed.json()["status"], failed.json()["failure_reason"]) == (
        201,
        "failed",
        "refund_declined",
    )
    assert api.get(f"/transaction/{tx_id}").json()["amount_refunded_minor"] == 0
    assert OutboxEvent.objects.filter(event_type="payments.refund.failed").count() == 1
    assert _refund(api, tx_id, {"amount": "49.99"}).json()["status"] == "failed"  # its amount was free again


def test_without_an_answer_the_refund_stays_pending_holding_its_amount_until_beat_settles_it(
    captured, api, provider_down, settings, live_server
):
    pending = _refund(api, captured, {"amount": "30.00"})
    assert (pending.status_code, pending.json()["status"]) == (201, "pending")
    assert error_of(_refund(api, captured, {"amount": "20.00"}))["code"] == "amount_exceeds_refundable"  # 19.99 left

    settings.PROVIDER_HTTP_URL = f"{live_server.url}/sandbox/provider"  # the provider is back
    reset_circuit_breaker()
    assert retry_pending_refunds(older_than_seconds=0) == 1
    refunds = api.get(f"/transaction/{captured}/refunds").json()["data"]
    assert [r["status"] for r in refunds] == ["succeeded"]
    assert api.get(f"/transaction/{captured}").json()["amount_refunded_minor"] == 3000


def test_the_database_refuses_refunding_more_than_was_captured(captured):
    with pytest.raises(IntegrityError), transaction.atomic():
        Transaction.objects.filter(pk=captured).update(amount_refunded_minor=5000)


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_partial_refunds_never_exceed_the_captured_amount(live_server, api_key, post_payment):
    tx_id = _captured(post_payment)  # 49.99 USD: room for 24 refunds of 2.00 and one of 1.99

    def refund(i: int) -> requests.Response:
        return requests.post(
            f"{live_server.url}/transaction/{tx_id}/refunds",
            json={"amount": "2.00", "reason": f"parallel {i}"},
            headers={"Authorization": f"Bearer {api_key}"},
            timeout=30,
        )

    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(refund, range(50)))

    made = [a for a in answers if a.status_code == 201]
    refused = [a for a in answers if a.status_code != 201]
    assert len(made) == 24 and all(a.json()["status"] == "succeeded" for a in made)
    assert {a.json()["error"]["code"] for a in refused} == {"amount_exceeds_refundable"}
    tx = Transaction.objects.get(pk=tx_id)
    assert (tx.amount_refunded_minor, tx.status) == (4800, "approved")
    assert sum(Refund.objects.filter(status="succeeded").values_list("amount_minor", flat=True)) == 4800


def test_a_surge_of_refunds_at_one_merchant_opens_an_incident(captured, api):
    from django.core.management import call_command

    from alerts.evaluation import evaluate_event
    from alerts.models import Incident

    call_command("load_alert_rules")
    for _ in range(10):
        _refund(api, captured, {"amount": "1.00"})
    succeeded = OutboxEvent.objects.filter(event_type="payments.refund.succeeded").order_by("id")
    for event in succeeded:
        evaluate_event(event.envelope)
    assert not Incident.objects.exists()  # ten is the threshold, not yet more

    _refund(api, captured, {"amount": "1.00"})
    evaluate_event(OutboxEvent.objects.filter(event_type="payments.refund.succeeded").order_by("id").last().envelope)
    assert Incident.objects.get().rule.name == "refund-surge"
