"""Manual capture: authorize now, capture (all or part) or cancel later; beat cancels what is never captured."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from antifraud.services.decisions import decide_transaction
from eventbus.models import OutboxEvent
from tests.conftest import error_of
from transactions.captures import expire_authorizations
from transactions.models import Transaction


@pytest.fixture
def authorized(post_payment):
    """A manual-capture payment of 49.99 USD, scored and authorized by the provider."""
    response = post_payment(capture_method="manual")
    assert response.status_code == 202 and response.json()["capture_method"] == "manual"
    decide_transaction(transaction_id=response.json()["id"])
    tx = Transaction.objects.get(pk=response.json()["id"])
    assert (tx.status, tx.amount_captured_minor) == ("authorized", 0) and tx.authorized_at is not None
    return tx


def _post(api, path, body=None, **headers):
    return api.post(path, data=json.dumps(body or {}), content_type="application/json", **headers)


def test_an_automatic_payment_is_captured_in_full_when_authorized(post_payment, api):
    tx_id = post_payment().json()["id"]
    decide_transaction(transaction_id=tx_id)

    body = api.get(f"/transaction/{tx_id}").json()
    assert (body["status"], body["capture_method"], body["amount_captured"], body["amount_captured_minor"]) == (
        "approved",
        "automatic",
        "49.99",
        4999,
    )


def test_capture_in_part_approves_with_the_captured_amount_and_history(authorized, api):
    response = _post(api, f"/transaction/{authorized.id}/capture", {"amount": "40.00"})

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["amount_captured"], body["amount_captured_minor"]) == ("approved", "40.00", 4000)
    history = list(authorized.history.values_list("from_status", "to_status", "actor"))
    assert history[-1] == ("authorized", "approved", "api")
    assert api.get(f"/transaction/{authorized.id}").json()["amount_captured_minor"] == 4000  # not a cached copy
    event = OutboxEvent.objects.filter(key=str(authorized.id)).order_by("id").last()
    assert (event.envelope["data"]["status"], event.envelope["data"]["amount_captured_minor"]) == ("approved", 4000)


def test_capture_without_amount_takes_all_of_it(authorized, api):
    assert _post(api, f"/transaction/{authorized.id}/capture").json()["amount_captured_minor"] == 4999


@pytest.mark.parametrize(
    ("amount", "status", "code"),
    [
        ("50.00", 409, "amount_exceeds_authorized"),
        ("10.001", 400, "amount_too_precise"),
        ("0", 400, "invalid_amount"),
    ],
)
def test_a_capture_outside_the_authorization_is_refused_and_changes_nothing(authorized, api, amount, status, code):
    response = _post(api, f"/transaction/{authorized.id}/capture", {"amount": amount})

    assert response.status_code == status and error_of(response)["code"] == code
    authorized.refresh_from_db()
    assert (authorized.status, authorized.amount_captured_minor) == ("authorized", 0)


def test_capturing_twice_is_a_conflict_but_a_retry_with_the_key_replays(authorized, api):
    first = _post(api, f"/transaction/{authorized.id}/capture", {"amount": "10.00"}, HTTP_IDEMPOTENCY_KEY="cap-1")
    retry = _post(api, f"/transaction/{authorized.id}/capture", {"amount": "10.00"}, HTTP_IDEMPOTENCY_KEY="cap-1")
    again = _post(api, f"/transaction/{authorized.id}/capture", {"amount": "10.00"})

    assert retry.status_code == 200 and retry["Idempotent-Replayed"] == "true" and retry.json() == first.json()
    assert again.status_code == 409 and error_of(again)["code"] == "payment_not_capturable"
    other = _post(api, f"/transaction/{authorized.id}/capture", {"amount": "20.00"}, HTTP_IDEMPOTENCY_KEY="cap-1")
    assert other.status_code == 422 and error_of(other)["code"] == "idempotency_key_reused"


def test_an_automatic_or_declined_payment_cannot_be_captured_or_canceled(post_payment, api):
    tx_id = post_payment().json()["id"]
    decide_transaction(transaction_id=tx_id)

    assert error_of(_post(api, f"/transaction/{tx_id}/capture"))["code"] == "payment_not_capturable"
    assert error_of(_post(api, f"/transaction/{tx_id}/cancel"))["code"] == "payment_not_cancelable"


def test_cancel_releases_the_authorization(authorized, api):
    response = _post(api, f"/transaction/{authorized.id}/cancel")

    assert response.status_code == 200 and response.json()["status"] == "canceled"
    assert error_of(_post(api, f"/transaction/{authorized.id}/capture"))["code"] == "payment_not_capturable"


def test_another_merchants_payment_is_not_found(authorized, db):
    from rest_framework.test import APIClient

    from transactions.api_keys import create_merchant

    _, issued = create_merchant(name="Other", mode="test", actor="test")
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.secret}")

    assert _post(other, f"/transaction/{authorized.id}/capture").status_code == 404
    assert _post(other, f"/transaction/{authorized.id}/cancel").status_code == 404


def test_beat_cancels_authorizations_not_captured_within_the_window(authorized, settings):
    settings.CAPTURE_WINDOW_DAYS = 7
    assert expire_authorizations() == 0

    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
        assert expire_authorizations() == 1
    authorized.refresh_from_db()
    assert authorized.status == "canceled"
    assert authorized.history.last().actor == "beat"


def test_a_provider_that_does_not_answer_changes_nothing(authorized, api, provider_down):
    response = _post(api, f"/transaction/{authorized.id}/capture")

    assert response.status_code == 503 and error_of(response)["code"] == "provider_unavailable"
    authorized.refresh_from_db()
    assert authorized.status == "authorized"


def test_capture_over_the_http_provider(authorized, api, settings, live_server):
    settings.PAYMENT_PROVIDER, settings.PROVIDER_HTTP_URL = "http", f"{live_server.url}/sandbox/provider"
    settings.PROVIDER_HTTP_API_KEY = ""
    assert _post(api, f"/transaction/{authorized.id}/capture", {"amount": "1.00"}).json()["status"] == "approved"


def test_authorized_payments_of_any_amounts_are_captured_in_one_update(post_payment):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from transactions.authorization import authorize_transactions

    ids = [post_payment(amount=amount).json()["id"] for amount in ("1.00", "2.50", "30.00")]
    with CaptureQueriesContext(connection) as queries:
        authorize_transactions(transaction_ids=ids)

    updates = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('UPDATE "transactions_transaction"')]
    assert len(updates) == 1
    assert sorted(Transaction.objects.values_list("amount_captured_minor", flat=True)) == [100, 250, 3000]


def test_a_batch_of_manual_capture_authorizations_is_one_update(post_payment):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from transactions.authorization import authorize_transactions

    ids = [post_payment(amount=amount, capture_method="manual").json()["id"] for amount in ("1.00", "2.50")]
    with CaptureQueriesContext(connection) as queries:
        authorize_transactions(transaction_ids=ids)

    updates = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('UPDATE "transactions_transaction"')]
    assert len(updates) == 1
    assert set(Transaction.objects.values_list("status", flat=True)) == {"authorized"}
