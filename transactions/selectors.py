"""Reads of payments: merchants' reads are scoped to one merchant; the operators' reads say so."""

from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from . import cache
from .models import Merchant, Refund, Status, Transaction

# The decision's model inputs and explanation are the analysts', never in the merchant's resource.
_ANALYST_ONLY = ("fraud_decision__features", "fraud_decision__explanation")


def transaction_list(*, merchant: Merchant) -> QuerySet[Transaction]:
    return Transaction.objects.filter(merchant=merchant).select_related("fraud_decision").defer(*_ANALYST_ONLY)


def transaction_get(*, merchant: Merchant, transaction_id: UUID) -> Transaction:
    """The merchant's payment; another merchant's payment is indistinguishable from a missing one."""
    try:
        return (
            Transaction.objects.select_related("fraud_decision")
            .defer(*_ANALYST_ONLY)
            .get(pk=transaction_id, merchant=merchant)
        )
    except Transaction.DoesNotExist:
        raise Http404 from None


def transaction_resource(
    *, merchant: Merchant, transaction_id: UUID, render: Callable[[Transaction], dict[str, Any]]
) -> dict[str, Any]:
    """GET /transaction/{id}: the rendered payment, from the cache while no change has dropped it
    (every status change and decision does), and only ever the merchant's own."""
    merchant_id = str(merchant.pk)
    cached = cache.cached_resource(transaction_id)
    if cached is not None and cached.get("merchant_id") == merchant_id:
        return cached["resource"]
    resource = render(transaction_get(merchant=merchant, transaction_id=transaction_id))
    cache.store_resource(transaction_id, {"merchant_id": merchant_id, "resource": resource})
    return resource


def refund_list(*, merchant: Merchant, transaction_id: UUID) -> list[Refund]:
    """The refunds of one of the merchant's payments, oldest first; a 404 for anyone else's payment."""
    if not Transaction.objects.filter(pk=transaction_id, merchant=merchant).exists():
        raise Http404
    return list(Refund.objects.filter(transaction_id=transaction_id).order_by("created_at", "id"))


def stale_pending_payments(*, created_before: datetime, limit: int) -> list[tuple[UUID, str | None]]:
    """Payments still pending that were created before `created_before`, oldest first, with their fraud
    outcome (None while undecided). Across merchants: for the recovery sweep, not for merchants."""
    return list(
        Transaction.objects.filter(status=Status.PENDING, created_at__lt=created_before)
        .order_by("created_at")
        .values_list("id", "fraud_decision__outcome")[:limit]
    )


def oldest_age_seconds(*, status: str) -> float:
    """Seconds since the oldest payment now in `status` was created (0 when none is): the operators'
    gauges of payments stuck pending and of the analysts' review queue (each status has a partial index)."""
    oldest = (
        Transaction.objects.filter(status=status).order_by("created_at").values_list("created_at", flat=True).first()
    )
    return max(0.0, (timezone.now() - oldest).total_seconds()) if oldest else 0.0
