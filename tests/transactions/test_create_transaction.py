from decimal import Decimal

import pytest

from eventbus.models import OutboxEvent
from tests.conftest import AMEX, error_of
from transactions.models import Transaction, TransactionEvent


def test_valid_payment_is_accepted_as_pending_with_location(post_payment, merchant):
    response = post_payment()

    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "pending"
    assert body["amount"] == "49.99"
    assert body["amount_minor"] == 4999
    assert body["currency"] == "USD"
    assert body["card"] == {
        "brand": "visa",
        "bin": "424242",
        "last4": "4242",
        "exp_month": 12,
        "exp_year": 2034,
        "fingerprint": body["card"]["fingerprint"],
    }
    assert len(body["card"]["fingerprint"]) == 64
    assert response["Location"] == f"/transaction/{body['id']}"
    tx = Transaction.objects.get(pk=body["id"])
    assert tx.merchant == merchant and tx.amount_minor == 4999
    assert "card_number" not in body and "cvv" not in body


def test_payment_writes_history_and_created_event_in_outbox(post_payment):
    tx_id = post_payment().json()["id"]

    history = list(TransactionEvent.objects.filter(transaction_id=tx_id))
    assert [(h.from_status, h.to_status, h.actor) for h in history] == [("", "pending", "api")]
    events = list(OutboxEvent.objects.filter(key=tx_id))
    assert [e.event_type for e in events] == ["payments.transaction.created"]
    envelope = events[0].envelope
    assert envelope["type"] == "payments.transaction.created"
    assert envelope["key"] == tx_id and envelope["version"] == 1
    assert envelope["data"]["amount_minor"] == 4999
    assert events[0].published_at is None


@pytest.mark.parametrize(
    ("amount", "currency", "minor", "shown"),
    [
        ("10", "JPY", 10, "10"),
        (1500, "JPY", 1500, "1500"),
        ("1.234", "KWD", 1234, "1.234"),
        ("0.5", "USD", 50, "0.50"),
        ("12.30", "EUR", 1230, "12.30"),
    ],
)
def test_amount_is_stored_in_minor_units_of_its_currency(post_payment, amount, currency, minor, shown):
    response = post_payment(amount=amount, currency=currency)

    assert response.status_code == 202, response.json()
    assert response.json()["amount_minor"] == minor
    assert response.json()["amount"] == shown


def test_json_number_amount_is_exact_not_float(api):
    # 0.1 + 0.2 style drift would turn 1.10 into 1.1000000000000000888 as a float.
    response = api.post(
        "/transaction",
        data='{"amount": 1.10, "currency": "USD", "card_number": "4242424242424242",'
        ' "expiry_month": 1, "expiry_year": 2035, "cvv": "123"}',
        content_type="application/json",
    )

    assert response.status_code == 202
    assert response.json()["amount_minor"] == 110


def test_card_number_with_spaces_and_dashes_is_normalised(post_payment):
    response = post_payment(card_number="4242-4242 4242-4242")

    assert response.status_code == 202
    assert response.json()["card"]["last4"] == "4242"


def test_same_card_gives_same_fingerprint_and_other_card_differs(post_payment):
    first = post_payment().json()["card"]["fingerprint"]
    second = post_payment(card_number="4242 4242 4242 4242").json()["card"]["fingerprint"]
    other = post_payment(card_number="5555555555554444").json()["card"]["fingerprint"]

    assert first == second != other


@pytest.mark.parametrize(
    ("card_number", "brand"),
    [
        ("4111111111111111", "visa"),
        ("5555555555554444", "mastercard"),
        ("2223003122003222", "mastercard"),
        ("6011111111111117", "discover"),
        ("3566002020360505", "jcb"),
        ("36227206271667", "diners"),
    ],
)
def test_brand_is_detected_from_the_prefix(post_payment, card_number, brand):
    assert post_payment(card_number=card_number).json()["card"]["brand"] == brand


def test_amex_takes_a_four_digit_cvv(post_payment):
    response = post_payment(card_number=AMEX, cvv="1234")

    assert response.status_code == 202
    assert response.json()["card"]["brand"] == "amex"


def test_optional_fields_are_kept(post_payment):
    response = post_payment(description="Blue shoes", device_id="dev-1", metadata={"order": "1001", "channel": "web"})

    body = response.json()
    assert body["description"] == "Blue shoes"
    assert body["device_id"] == "dev-1"
    assert body["metadata"] == {"order": "1001", "channel": "web"}
    assert body["customer"] == {"email": "jane@example.com", "ip": "203.0.113.7", "country": "US"}


def test_minimal_body_is_enough(post_payment):
    response = post_payment(merchant_reference=None, customer=None)

    assert response.status_code == 202
    assert response.json()["customer"] == {"email": "", "ip": None, "country": ""}


@pytest.mark.parametrize(
    ("overrides", "code", "param"),
    [
        ({"card_number": "4242424242424241"}, "invalid_card_number", "card_number"),
        ({"card_number": "42424242424"}, "invalid_card_number", "card_number"),
        ({"card_number": "42424242424242424242"}, "invalid_card_number", "card_number"),
        ({"card_number": "4242abcd42424242"}, "invalid_card_number", "card_number"),
        ({"card_number": None}, "parameter_missing", "card_number"),
        ({"expiry_month": 13}, "invalid_expiry_month", "expiry_month"),
        ({"expiry_month": 0}, "invalid_expiry_month", "expiry_month"),
        ({"expiry_month": 1, "expiry_year": 2020}, "card_expired", "expiry_year"),
        ({"cvv": "12"}, "invalid_cvv", "cvv"),
        ({"cvv": "12a"}, "invalid_cvv", "cvv"),
        ({"cvv": "1234"}, "invalid_cvv", "cvv"),
        ({"card_number": AMEX, "cvv": "123"}, "invalid_cvv", "cvv"),
        ({"currency": "ABC"}, "currency_unsupported", "currency"),
        ({"currency": "XAU"}, "currency_unsupported", "currency"),
        ({"currency": "US"}, "invalid_currency", "currency"),
        ({"amount": "0"}, "invalid_amount", "amount"),
        ({"amount": -5}, "invalid_amount", "amount"),
        ({"amount": "-5"}, "invalid_amount", "amount"),
        ({"amount": "abc"}, "invalid_amount", "amount"),
        ({"amount": True}, "invalid_amount", "amount"),
        ({"amount": "10.001"}, "amount_too_precise", "amount"),
        ({"amount": "10.5", "currency": "JPY"}, "amount_too_precise", "amount"),
        ({"amount": "1.2345", "currency": "KWD"}, "amount_too_precise", "amount"),
        ({"amount": "1000000.00"}, "amount_too_large", "amount"),
        ({"amount": None}, "parameter_missing", "amount"),
        ({"customer": {"email": "not-an-email"}}, "invalid_customer_email", "customer.email"),
        ({"customer": {"ip": "999.1.1.1"}}, "invalid_customer_ip", "customer.ip"),
        ({"customer": {"country": "XX"}}, "invalid_country", "customer.country"),
        ({"customer": {"phone": "1"}}, "unknown_field", "customer.phone"),
        ({"metadata": {f"k{i}": "v" for i in range(21)}}, "invalid_metadata", "metadata"),
        ({"metadata": {"k": "x" * 501}}, "invalid_metadata_k", "metadata.k"),
        ({"metadata": {"nested": {"a": 1}}}, "invalid_metadata_nested", "metadata.nested"),
        ({"metadata": {"note": "card 4242 4242 4242 4242"}}, "card_data_not_allowed", "metadata"),
        ({"description": "paid with 4111111111111111"}, "card_data_not_allowed", "description"),
        ({"surprise": 1}, "unknown_field", "surprise"),
    ],
)
def test_invalid_payment_is_rejected_with_the_field_named(post_payment, overrides, code, param):
    before = (Transaction.objects.count(), OutboxEvent.objects.count())

    response = post_payment(**overrides)

    assert response.status_code == 400, response.json()
    error = error_of(response)
    assert error["type"] == "invalid_request_error"
    assert error["code"] == code
    assert error["param"] == param
    assert (Transaction.objects.count(), OutboxEvent.objects.count()) == before


def test_amount_limit_is_configurable(post_payment, settings):
    settings.PAYMENT_MAX_AMOUNT_MINOR = 1000

    assert post_payment(amount="10.00").status_code == 202
    assert error_of(post_payment(amount="10.01"))["code"] == "amount_too_large"


def test_card_valid_through_the_end_of_its_expiry_month():
    from datetime import UTC, datetime

    from transactions.cards import check_not_expired
    from transactions.errors import CardExpired

    check_not_expired(2, 2028, now=datetime(2028, 2, 29, 23, 59, 59, tzinfo=UTC))
    with pytest.raises(CardExpired):
        check_not_expired(2, 2028, now=datetime(2028, 3, 1, 0, 0, 0, tzinfo=UTC))


def test_money_conversion_round_trips_without_float():
    from transactions.money import format_minor, to_minor

    assert to_minor(Decimal("19.99"), "USD") == 1999
    assert format_minor(1999, "USD") == "19.99"
    assert format_minor(5, "KWD") == "0.005"
    assert format_minor(5, "JPY") == "5"
