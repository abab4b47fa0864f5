import json
import threading
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone
from rest_framework.test import APIClient

from eventbus.models import OutboxEvent
from tests.conftest import error_of, payment
from transactions.api.serializers import TransactionIn
from transactions.api_keys import create_merchant
from transactions.idempotency import purge_expired_keys, request_fingerprint
from transactions.models import IdempotencyRecord, Transaction


def test_same_key_and_body_replays_the_first_response(post_payment):
    first = post_payment(idempotency_key="order-1")
    second = post_payment(idempotency_key="order-1")

    assert first.status_code == second.status_code == 202
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert second["Location"] == first["Location"]
    assert Transaction.objects.count() == 1
    assert OutboxEvent.objects.count() == 1


def test_equivalent_amount_spelling_counts_as_the_same_body(post_payment):
    post_payment(idempotency_key="order-1", amount="10.5")

    assert post_payment(idempotency_key="order-1", amount="10.50").status_code == 202
    assert Transaction.objects.count() == 1


def test_same_idempotency_key_with_other_body_is_rejected(post_payment):
    post_payment(idempotency_key="order-1")

    response = post_payment(idempotency_key="order-1", amount="50.00")

    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "idempotency_key_reused"
    assert error["type"] == "idempotency_error"
    assert Transaction.objects.count() == 1


def test_key_in_body_works_like_the_header(post_payment):
    first = post_payment(payment(idempotency_key="body-key"))
    second = post_payment(payment(idempotency_key="body-key"))

    assert second.json()["id"] == first.json()["id"]
    assert Transaction.objects.count() == 1


def _fingerprint_of(body: dict) -> str:
    data = TransactionIn(data=body)
    data.is_valid(raise_exception=True)
    return request_fingerprint(data.validated_data)


def test_request_in_flight_with_same_key_is_409(post_payment, merchant):
    body = payment()
    IdempotencyRecord.objects.create(merchant=merchant, key="busy", request_fingerprint=_fingerprint_of(body))

    response = post_payment(body, idempotency_key="busy")

    assert response.status_code == 409
    assert error_of(response)["code"] == "idempotency_request_in_progress"
    assert Transaction.objects.count() == 0


def test_abandoned_claim_is_taken_over(post_payment, merchant, settings):
    record = IdempotencyRecord.objects.create(merchant=merchant, key="crashed", request_fingerprint="x" * 64)
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        created_at=timezone.now() - timedelta(seconds=settings.IDEMPOTENCY_IN_FLIGHT_TIMEOUT_SECONDS + 1)
    )

    assert post_payment(idempotency_key="crashed").status_code == 202


def test_failed_request_frees_its_key(post_payment):
    assert post_payment(idempotency_key="k", card_number="4242424242424241").status_code == 400

    assert post_payment(idempotency_key="k").status_code == 202
    assert IdempotencyRecord.objects.get().is_completed


def test_keys_are_scoped_per_merchant(post_payment, db):
    post_payment(idempotency_key="shared")
    _, other = create_merchant(name="Other")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {other.secret}")

    response = client.post(
        "/transaction", data=json.dumps(payment()), content_type="application/json", HTTP_IDEMPOTENCY_KEY="shared"
    )

    assert response.status_code == 202
    assert Transaction.objects.count() == 2


def test_key_expires_after_its_ttl(post_payment, settings):
    first = post_payment(idempotency_key="old").json()
    IdempotencyRecord.objects.update(
        created_at=timezone.now() - timedelta(seconds=settings.IDEMPOTENCY_KEY_TTL_SECONDS + 1)
    )

    second = post_payment(idempotency_key="old").json()

    assert second["id"] != first["id"]
    assert Transaction.objects.count() == 2


def test_purge_deletes_only_expired_keys(post_payment, settings):
    post_payment(idempotency_key="old")
    post_payment(idempotency_key="new")
    IdempotencyRecord.objects.filter(key="old").update(
        created_at=timezone.now() - timedelta(seconds=settings.IDEMPOTENCY_KEY_TTL_SECONDS + 1)
    )

    assert purge_expired_keys() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]


def test_fingerprint_does_not_contain_the_card_number():
    fingerprint = request_fingerprint(payment())

    assert "4242" not in fingerprint and len(fingerprint) == 64


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_create_exactly_one_transaction():
    _, issued = create_merchant(name="Racer")
    body = json.dumps(payment())
    workers = 8
    barrier = threading.Barrier(workers)
    statuses: list[int] = []
    bodies: list[dict] = []

    def send() -> None:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.secret}")
        barrier.wait()
        try:
            response = client.post(
                "/transaction", data=body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="race-1"
            )
            statuses.append(response.status_code)
            bodies.append(response.json())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert Transaction.objects.count() == 1
    assert OutboxEvent.objects.count() == 1
    assert set(statuses) <= {202, 409}
    assert statuses.count(202) >= 1
    tx_id = str(Transaction.objects.get().id)
    assert all(b["id"] == tx_id for b, s in zip(bodies, statuses, strict=True) if s == 202)


@pytest.mark.django_db(transaction=True)  # no test transaction around it: the statement is its own transaction
def test_new_payment_with_a_key_is_one_database_statement(post_payment, api, django_assert_num_queries):
    api.get("/transactions?limit=1")  # the API key is cached from here on

    with django_assert_num_queries(1):  # key record, payment, history and outbox rows in one insert
        assert post_payment(idempotency_key="single").status_code == 202

    assert IdempotencyRecord.objects.get(key="single").is_completed
