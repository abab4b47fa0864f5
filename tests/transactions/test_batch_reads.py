"""Batch reads by id built once per process: the same payments, fields and order as the ORM's queries."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from antifraud.models import FraudDecision
from antifraud.selectors import pending_undecided
from transactions.batch_reads import locked_by_ids
from transactions.models import Status, Transaction
from transactions.services import transition_transaction

pytestmark = pytest.mark.django_db


def _values(payments: list[Transaction]) -> list[tuple]:
    return [tuple(getattr(tx, field.attname) for field in Transaction._meta.concrete_fields) for tx in payments]


def test_locked_by_ids_reads_every_field_in_id_order_and_locks(make_payment):
    payments = [make_payment(metadata={"order": str(n)}, amount=f"{n}.50") for n in range(1, 4)]
    ids = [str(tx.id) for tx in reversed(payments)]

    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        locked = locked_by_ids(ids)

    expected = list(Transaction.objects.filter(pk__in=ids).order_by("id"))
    assert _values(locked) == _values(expected)
    assert {tx.metadata["order"] for tx in locked} == {"1", "2", "3"}
    assert len(queries.captured_queries) == 1
    assert queries.captured_queries[0]["sql"].rstrip().endswith("FOR UPDATE")


def test_pending_undecided_leaves_out_decided_and_moved_on_payments_oldest_first(make_payment):
    first, decided, moved, last = (make_payment() for _ in range(4))
    FraudDecision.objects.create(
        transaction=decided,
        score=0,
        outcome="approve",
        fired_rules=[],
        shadow_rules=[],
        rules_version=1,
        review_at=50,
        decline_at=80,
    )
    transition_transaction(transaction_id=moved.id, to=Status.DECLINED, actor="test")

    found = pending_undecided([last.id, moved.id, str(decided.id), first.id, "00000000-0000-0000-0000-000000000000"])

    assert [tx.id for tx in found] == [first.id, last.id]
    assert _values(found) == _values([Transaction.objects.get(pk=first.id), Transaction.objects.get(pk=last.id)])


def test_an_empty_batch_reads_nothing(db):
    assert pending_undecided([]) == []
    with transaction.atomic():
        assert locked_by_ids([]) == []
