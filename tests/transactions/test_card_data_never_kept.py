"""The PAN and CVV are never stored, logged, cached or echoed: scan everything after real traffic."""

import io
import json
import logging

import pytest
from django.db import connection
from django_redis import get_redis_connection

from eventbus.models import OutboxEvent
from tests.conftest import AMEX, VISA, payment

CARDS = [VISA, AMEX, "5555555555554444"]
CVV = "7391"


def _spellings(pan: str) -> list[str]:
    groups = [pan[i : i + 4] for i in range(0, len(pan), 4)]
    return [pan, " ".join(groups), "-".join(groups)]


def _database_text() -> str:
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')
            chunks.append(repr(cursor.fetchall()))
    return "\n".join(chunks)


def _cache_bytes() -> bytes:
    redis = get_redis_connection("default")
    values = []
    for key in redis.scan_iter():
        values.append(key)
        if redis.type(key) == b"string":
            values.append(redis.get(key))
        else:
            values.append(repr(redis.dump(key)).encode())
    return b"\n".join(values)


@pytest.fixture
def emitted_logs():
    """What the configured log handlers write, formatters and filters included."""
    handlers = [h for h in logging.getLogger().handlers if isinstance(h, logging.StreamHandler)]
    assert handlers, "the console handler of settings.LOGGING is expected on the root logger"
    buffer = io.StringIO()
    previous = [h.setStream(buffer) for h in handlers]
    level = logging.getLogger().level
    logging.getLogger().setLevel(logging.DEBUG)
    yield buffer
    logging.getLogger().setLevel(level)
    for handler, stream in zip(handlers, previous, strict=True):
        handler.setStream(stream)


def send_traffic(api, post_payment) -> list[str]:
    """Successful, replayed, failing and read requests with the cards above."""
    ids = []
    for index, pan in enumerate(CARDS):
        cvv = CVV if pan == AMEX else CVV[:3]
        response = post_payment(
            payment(card_number=" ".join(_spellings(pan)[1:2]), cvv=cvv), idempotency_key=f"scan-{index}"
        )
        assert response.status_code == 202
        post_payment(payment(card_number=pan, cvv=cvv), idempotency_key=f"scan-{index}")  # replay (other spelling)
        ids.append(response.json()["id"])
        api.get(f"/transaction/{ids[-1]}")
    # Failures that carry a valid PAN: bad CVV, expired card, unknown field, too precise amount.
    assert post_payment(card_number=VISA, cvv="1").status_code == 400
    assert post_payment(card_number=VISA, expiry_year=2020, expiry_month=1).status_code == 400
    assert post_payment(payment(card_number=VISA, pan=VISA)).status_code == 400
    assert post_payment(card_number=VISA, amount="1.001").status_code == 400
    api.get("/transactions")
    return ids


def test_no_card_number_or_cvv_in_database_cache_logs_or_responses(api, post_payment, caplog, emitted_logs):
    caplog.set_level(logging.DEBUG)
    traffic = send_traffic(api, post_payment)
    responses = json.dumps([api.get(f"/transaction/{tx_id}").json() for tx_id in traffic])
    responses += json.dumps(api.get("/transactions").json())

    database, cache = _database_text(), _cache_bytes()
    logs = caplog.text + emitted_logs.getvalue()
    assert "POST /transaction 202" in logs, "the scan must have looked at real log output"

    for pan in CARDS:
        for spelling in _spellings(pan):
            assert spelling not in database
            assert spelling.encode() not in cache
            assert spelling not in logs
            assert spelling not in responses
    # Quoted: the bare digits can occur by chance inside ids and timestamps.
    for cvv in (CVV, CVV[:3]):
        for quoted in (f'"{cvv}"', f"'{cvv}'", f"cvv={cvv}", f'"cvv": "{cvv}"'):
            assert quoted not in responses and quoted not in database and quoted not in logs
            assert quoted.encode() not in cache
    assert "cvv" not in database.lower()
    assert cache, "the scan must have looked at a populated cache"
    assert OutboxEvent.objects.count() == len(CARDS)


def test_events_carry_card_summary_only(post_payment):
    post_payment()

    envelope = OutboxEvent.objects.get().envelope
    text = json.dumps(envelope)
    assert VISA not in text and "cvv" not in text
    assert envelope["data"]["card"]["last4"] == "4242"
    assert envelope["data"]["card"]["bin"] == "424242"


def test_unhandled_error_mentioning_a_card_number_is_redacted_in_logs(post_payment, monkeypatch, emitted_logs):
    def explode(**kwargs):
        raise ValueError(f"provider choked on {kwargs['payment'].card_number}")

    monkeypatch.setattr("transactions.services.create_transaction", explode)

    response = post_payment()

    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal_error"
    output = emitted_logs.getvalue()
    assert "unhandled error in TransactionCreateView" in output
    assert VISA not in output


def test_redaction_keeps_non_card_numbers():
    from payproc.http.logging import redact_card_numbers

    assert redact_card_numbers(f"pan {VISA} order 123456789012") == "pan [card ****4242] order 123456789012"


def test_the_idempotency_fingerprint_holds_neither_the_card_number_nor_the_cvv(post_payment, monkeypatch):
    """Whoever holds SECRET_KEY cannot test PAN and CVV guesses against a stored idempotency record: the
    request's hash sees the PAN only through the card fingerprint (its own key), and no CVV at all."""
    from transactions.idempotency import request_fingerprint

    request = {"amount": "49.99", "currency": "USD", "card_number": VISA, "cvv": CVV[:3], "path": "/transaction"}
    other_card = {**request, "card_number": "5555555555554444"}
    other_cvv = {**request, "cvv": "999"}
    assert request_fingerprint(request) != request_fingerprint(other_card)
    assert request_fingerprint(request) == request_fingerprint(other_cvv)
    monkeypatch.setattr("transactions.idempotency.fingerprint", lambda pan: "the same card fingerprint")
    assert request_fingerprint(request) == request_fingerprint(other_card)  # the PAN itself is not an input
    monkeypatch.undo()

    # Through the API: the same request with another CVV is a retry of the first.
    assert post_payment(payment(card_number=VISA, cvv=CVV[:3]), idempotency_key="retry").status_code == 202
    replay = post_payment(payment(card_number=VISA, cvv="999"), idempotency_key="retry")
    assert replay.status_code == 202 and replay["Idempotent-Replayed"] == "true"


def test_only_card_numbers_are_masked_never_ids_timestamps_or_amounts(emitted_logs):
    """What operators search for stays readable: UUIDs, hex ids, trace ids, timestamps, amounts."""
    kept = [
        "/transaction/8ba7d778-9c5c-4e2b-9d1a-4242424242427789/fraud_report",  # digits inside a UUID
        "8ba7d4242424242424242c5c",  # a hex id around a Luhn-valid run
        "trace 4bf92f3577b34da6a3ce929d0e0e4736 span 00f067aa0ba902b7",
        "sha 5555555555554444ab",
        "at 2026-12-05T10:52:23.813Z epoch_ms 1796467010123 epoch 1796467010",
        "amount 4242424242.42 USD",  # a dotted number
        "order-4242424242424242-x",  # part of a reference
        "ref_4242424242424242",
    ]
    logger = logging.getLogger("payproc.test")
    for line in kept:
        logger.warning("kept: %s", line)
    for pan in CARDS:
        logger.warning("pan %s and %s.", pan, _spellings(pan)[1])
    try:
        raise ValueError(f"provider choked on {VISA} for payment 8ba7d778-9c5c-4e2b-9d1a-4242424242427789")
    except ValueError:
        logger.exception("provider call failed")

    output = emitted_logs.getvalue()
    for line in kept:
        assert line in output
    for pan in CARDS:
        assert f"pan [card ****{pan[-4:]}] and [card ****{pan[-4:]}]." in output
        assert f"pan {pan}" not in output and f"choked on {pan}" not in output
    payment_id = "8ba7d778-9c5c-4e2b-9d1a-4242424242427789"
    assert f"ValueError: provider choked on [card ****4242] for payment {payment_id}" in output
    assert "withheld" not in output
    # A merchant's free text is held to the stricter test: a card number inside a reference is refused.
    from payproc.http.logging import contains_card_number

    assert contains_card_number("order-4242424242424242-x") and not contains_card_number("8ba7d778-9c5c-4e2b")
