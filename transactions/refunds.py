"""Refunds: partial or full, several per payment, never more in total than was captured.

A refund is first reserved under the payment's row lock: the captured amount minus every refund
pending or succeeded is what is left, so concurrent refunds serialise on the lock and cannot add up
to more (a check constraint on the payment holds the same line in the database). The provider is then
asked with no lock held, the refund's id as its idempotency key. Its answer settles the refund; with
no answer the refund stays `pending`, its amount still held, and beat asks again
(`retry_pending_refunds`), since a refund that timed out may well have been made.
"""

import logging
from datetime import timedelta
from decimal import Decimal
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from eventbus.outbox import enqueue_events, outbox_event

from . import cache, events
from .adapters.ports import ProviderUnavailable
from .captures import ask_provider, lock_payment
from .errors import AmountExceedsRefundable, PaymentNotRefundable
from .idempotency import IdempotentCreate, IdempotentResult, Render, restore_response, run_once
from .metrics import REFUND_AMOUNT, REFUNDS
from .models import Merchant, Refund, RefundStatus, Status, Transaction
from .money import format_minor
from .services import Transition, amount_in_minor_units, transition_transactions

logger = logging.getLogger(__name__)

_HOLDING = (RefundStatus.PENDING, RefundStatus.SUCCEEDED)


def refund_payment(
    *,
    merchant: Merchant,
    transaction_id: UUID | str,
    amount: Decimal | None,
    reason: str,
    idempotency: IdempotentCreate | None,
    render: Render,
) -> IdempotentResult:
    """The merchant's refund request: reserved once per Idempotency-Key, then settled with the provider.
    A retry of a key finds the refund as it was last answered (pending until the provider confirmed)."""

    def change(tx: Transaction) -> Refund:
        minor = None if amount is None else amount_in_minor_units(amount=amount, currency=tx.currency)
        return reserve(tx, amount_minor=minor, reason=reason)

    reserved = run_once(
        render=render, request=idempotency, lock=lambda: lock_payment(merchant, transaction_id), change=change
    )
    if reserved.replayed:
        return reserved
    status, body = render(settle(reserved.body["id"], idempotency=idempotency))
    return IdempotentResult(status=status, body=body, replayed=False)


def refundable_minor(tx: Transaction) -> int:
    """What is left to refund: captured, less every refund that succeeded or may still succeed."""
    held = Refund.objects.filter(transaction=tx, status__in=_HOLDING).aggregate(total=Sum("amount_minor"))["total"]
    return tx.amount_captured_minor - (held or 0)


def reserve(tx: Transaction, *, amount_minor: int | None, reason: str) -> Refund:
    """Hold a refund's amount on a locked, captured payment (all that is left when None)."""
    if tx.status != Status.APPROVED:
        raise PaymentNotRefundable(
            f"A {tx.status} payment cannot be refunded: only a captured (approved) payment can."
            if tx.status != Status.REFUNDED
            else "This payment is already refunded in full."
        )
    left = refundable_minor(tx)
    if left <= 0:
        raise PaymentNotRefundable("Nothing is left to refund: refunds pending or made cover the captured amount.")
    amount_minor = left if amount_minor is None else amount_minor
    if amount_minor > left:
        raise AmountExceedsRefundable(
            f"amount exceeds what is left to refund, {format_minor(left, tx.currency)} {tx.currency}.", param="amount"
        )
    return Refund.objects.create(transaction=tx, amount_minor=amount_minor, currency=tx.currency, reason=reason)


def settle(refund_id: UUID | str, *, idempotency: IdempotentCreate | None = None) -> Refund:
    """Ask the provider about a pending refund and record its answer; returns the refund as it is now."""
    refund = Refund.objects.select_related("transaction").get(pk=refund_id)
    if refund.status != RefundStatus.PENDING:
        return refund
    try:
        result = ask_provider(
            "refund", refund.transaction, operation_id=str(refund.id), amount_minor=refund.amount_minor
        )
    except ProviderUnavailable as exc:
        logger.warning("refund %s: no answer from the provider (%s); beat asks again", refund.id, exc.reason)
        return refund
    with transaction.atomic():
        tx = Transaction.objects.select_for_update().get(pk=refund.transaction_id)
        refund = Refund.objects.select_for_update().get(pk=refund_id)
        if refund.status != RefundStatus.PENDING:  # settled meanwhile (beat and a request at once)
            return refund
        refund.status = RefundStatus.SUCCEEDED if result.succeeded else RefundStatus.FAILED
        refund.failure_reason = result.failure_reason[:64]
        refund.provider_reference = result.reference[:128]
        refund.save(update_fields=["status", "failure_reason", "provider_reference", "updated_at"])
        if result.succeeded:
            tx = _add_refunded(tx, refund)
        refund.transaction = tx
        enqueue_events(
            [
                outbox_event(
                    event_type=events.REFUND_SUCCEEDED if result.succeeded else events.REFUND_FAILED,
                    key=str(tx.id),  # ordered with the payment's own events
                    data=events.refund_data(refund),
                    topic=settings.TOPIC_TRANSACTIONS,
                )
            ]
        )
        restore_response(idempotency, refund)
        transaction.on_commit(lambda: _after(refund))
    return refund


def _add_refunded(tx: Transaction, refund: Refund) -> Transaction:
    """Count a succeeded refund on its locked payment; the last one makes the payment `refunded`."""
    refunded = tx.amount_refunded_minor + refund.amount_minor
    if refunded == tx.amount_captured_minor:
        reason = f"refunded in full ({refund.id})"
        change = Transition(tx.id, Status.REFUNDED, "refunds", reason, sets=(("amount_refunded_minor", refunded),))
        return transition_transactions([change])[0]
    Transaction.objects.filter(pk=tx.pk).update(
        amount_refunded_minor=F("amount_refunded_minor") + refund.amount_minor, updated_at=timezone.now()
    )
    tx.amount_refunded_minor = refunded
    return tx


def _after(refund: Refund) -> None:
    cache.forget_resource(refund.transaction_id)
    REFUNDS.labels(status=refund.status, currency=refund.currency).inc()
    REFUND_AMOUNT.labels(status=refund.status, currency=refund.currency).inc(refund.amount_minor)


def retry_pending_refunds(*, older_than_seconds: int | None = None, limit: int = 200) -> int:
    """Beat: ask the provider again about refunds left pending (no answer, or a process died between
    reserving and settling). Returns how many were settled."""
    age = settings.REFUND_RETRY_AFTER_SECONDS if older_than_seconds is None else older_than_seconds
    before = timezone.now() - timedelta(seconds=age)
    ids = list(
        Refund.objects.filter(status=RefundStatus.PENDING, created_at__lt=before)
        .order_by("created_at")
        .values_list("id", flat=True)[:limit]
    )
    return sum(settle(refund_id).status != RefundStatus.PENDING for refund_id in ids)
