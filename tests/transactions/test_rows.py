"""A new payment's rows go in as one prepared statement on PostgreSQL, or as plain SQL when it is off."""

import pytest
from django.db import connection

from eventbus.models import OutboxEvent
from tests.conftest import payment
from transactions.models import IdempotencyRecord, Status, Transaction, TransactionEvent
from transactions.rows import insert_together


def _prepared_inserts() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE 'WITH r0 AS (INSERT INTO%%'")
        return cursor.fetchone()[0]


@pytest.mark.parametrize("prepared", [True, False])
def test_a_payment_writes_its_four_rows_with_or_without_prepared_statements(api, settings, prepared):
    settings.DATABASE_PREPARED_STATEMENTS = prepared

    for number in range(2):
        response = api.post("/transaction", payment(), format="json", headers={"Idempotency-Key": f"rows-{number}"})
        assert response.status_code == 202

    assert Transaction.objects.count() == 2
    assert TransactionEvent.objects.count() == 2
    assert OutboxEvent.objects.count() == 2
    assert IdempotencyRecord.objects.count() == 2
    assert _prepared_inserts() == (1 if prepared else 0)


def _stored(model, pk) -> dict:
    return model.objects.filter(pk=pk).values().get()


def _odd_payment(merchant) -> Transaction:
    # A number in a text column and a bool in a number column are converted; a TextChoices member is text.
    return Transaction(
        merchant=merchant,
        currency="USD",
        amount_minor=4999,
        card_exp_month=True,
        card_exp_year=2030,
        merchant_reference=1234,
        status=Status.REVIEW,
    )


def test_values_are_converted_as_a_save_converts_them(merchant):
    """Text and whole-number values are sent as they are; anything else goes through the field's own
    conversion, so the single insert stores exactly what `Model.save` would."""
    saved, inserted = _odd_payment(merchant), _odd_payment(merchant)
    saved.save(force_insert=True)

    insert_together(inserted)

    ignored = {"id", "created_at", "updated_at"}  # set by the fields themselves, at save time
    expected = {k: v for k, v in _stored(Transaction, saved.pk).items() if k not in ignored}
    assert {k: v for k, v in _stored(Transaction, inserted.pk).items() if k not in ignored} == expected
    assert expected["merchant_reference"] == "1234" and expected["card_exp_month"] == 1
    assert expected["status"] == "review"
