"""Reads of payments, always scoped to one merchant."""

from uuid import UUID

from django.db.models import QuerySet
from django.http import Http404

from .models import Merchant, Transaction


def transaction_list(*, merchant: Merchant) -> QuerySet[Transaction]:
    return Transaction.objects.filter(merchant=merchant).select_related("fraud_decision")


def transaction_get(*, merchant: Merchant, transaction_id: UUID) -> Transaction:
    """The merchant's payment; another merchant's payment is indistinguishable from a missing one."""
    try:
        return Transaction.objects.select_related("fraud_decision").get(pk=transaction_id, merchant=merchant)
    except Transaction.DoesNotExist:
        raise Http404 from None
