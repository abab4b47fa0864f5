"""A new payment's rows go in as one prepared statement on PostgreSQL, or as plain SQL when it is off."""

import pytest
from django.db import connection

from eventbus.models import OutboxEvent
from tests.conftest import payment
from transactions.models import IdempotencyRecord, Transaction, TransactionEvent


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
