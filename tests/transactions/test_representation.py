"""The payment resource is built by hand for speed; it must stay what DRF would render from the declared fields."""

import pytest
from rest_framework import serializers

from antifraud.models import FraudDecision
from transactions.api.serializers import TransactionOut
from transactions.models import Transaction


def _generic(tx: Transaction) -> dict:
    return dict(serializers.ModelSerializer.to_representation(TransactionOut(), tx))


@pytest.mark.parametrize("customer", [None, {"email": "", "ip": None, "country": ""}])
def test_resource_of_a_new_payment_equals_the_declared_fields(make_payment, customer):
    tx = make_payment(customer=customer, metadata={"order": "A-1"}, description="2 shirts")

    assert TransactionOut(tx).data == _generic(tx)
    assert TransactionOut(Transaction.objects.get(pk=tx.pk)).data == _generic(Transaction.objects.get(pk=tx.pk))


def test_resource_of_a_decided_payment_equals_the_declared_fields(make_payment):
    tx = make_payment()
    FraudDecision.objects.create(
        transaction=tx,
        score=60,
        outcome="review",
        fired_rules=[{"rule": "r", "type": "t", "score": 60}],
        review_at=50,
        decline_at=80,
    )
    tx = Transaction.objects.select_related("fraud_decision").get(pk=tx.pk)

    resource = TransactionOut(tx).data

    assert resource == _generic(tx)
    assert resource["fraud"]["decision"] == "review" and resource["fraud"]["decided_at"].endswith("Z")
    assert set(resource) == set(TransactionOut().fields)
