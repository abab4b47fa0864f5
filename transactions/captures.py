"""Manual capture: an authorized payment is captured (in full or in part) or canceled by the merchant,
and an authorization never captured is canceled by beat after CAPTURE_WINDOW_DAYS.

Capture and cancel hold the payment's row lock while the provider answers: they are one payment's
rare, merchant-initiated operations, and the lock is what makes a concurrent second capture see
the first. The provider's idempotency key is "<payment id>:capture" (or ":cancel"), so a retry after
a timeout cannot capture twice.
"""

import logging
from datetime import timedelta
from decimal import Decimal
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from .adapters import get_provider
from .adapters.ports import Operation, OperationResult, ProviderUnavailable
from .errors import AmountExceedsAuthorized, PaymentNotCancelable, PaymentNotCapturable, ProviderDown, ProviderRefused
from .idempotency import IdempotentCreate, IdempotentResult, Render, run_once
from .metrics import PROVIDER_CALLS
from .models import Merchant, Status, Transaction
from .money import format_minor
from .services import Transition, amount_in_minor_units, transition_transactions

logger = logging.getLogger(__name__)


def ask_provider(kind: str, tx: Transaction, *, operation_id: str, amount_minor: int) -> OperationResult:
    """One capture, cancel or refund call to the provider; ProviderUnavailable passes through."""
    provider = get_provider()
    request = Operation(
        transaction_id=str(tx.id),
        operation_id=operation_id,
        amount_minor=amount_minor,
        currency=tx.currency,
        card_last4=tx.card_last4,
    )
    try:
        result = getattr(provider, kind)(request)
    except ProviderUnavailable:
        PROVIDER_CALLS.labels(provider=provider.name, operation=kind, outcome="unavailable").inc()
        raise
    outcome = "succeeded" if result.succeeded else "refused"
    PROVIDER_CALLS.labels(provider=provider.name, operation=kind, outcome=outcome).inc()
    return result


def capture(tx: Transaction, *, amount_minor: int | None, actor: str) -> Transaction:
    """Capture a locked, authorized payment: `amount_minor` (at most the authorized amount; all of it
    when None). The rest of the authorization is released. Call inside a transaction holding the lock."""
    if tx.status != Status.AUTHORIZED:
        raise PaymentNotCapturable(
            f"A {tx.status} payment cannot be captured: only an authorized payment (capture_method manual) can."
        )
    amount_minor = tx.amount_minor if amount_minor is None else amount_minor
    if amount_minor > tx.amount_minor:
        raise AmountExceedsAuthorized(
            f"amount exceeds the authorized {format_minor(tx.amount_minor, tx.currency)} {tx.currency}.", param="amount"
        )
    result = _answer("capture", tx, amount_minor=amount_minor)
    reason = f"captured {format_minor(amount_minor, tx.currency)} {tx.currency}"
    change = Transition(tx.id, Status.APPROVED, actor, reason, sets=(("amount_captured_minor", amount_minor),))
    logger.info("payment %s %s (%s)", tx.id, reason, result.reference)
    return transition_transactions([change])[0]


def cancel(tx: Transaction, *, actor: str, reason: str = "canceled by the merchant") -> Transaction:
    """Release a locked, authorized payment's hold; it will never be captured."""
    if tx.status != Status.AUTHORIZED:
        raise PaymentNotCancelable(f"A {tx.status} payment cannot be canceled: only an authorized payment can.")
    _answer("cancel", tx, amount_minor=tx.amount_minor)
    return transition_transactions([Transition(tx.id, Status.CANCELED, actor, reason)])[0]


def _answer(kind: str, tx: Transaction, *, amount_minor: int) -> OperationResult:
    try:
        result = ask_provider(kind, tx, operation_id=f"{tx.id}:{kind}", amount_minor=amount_minor)
    except ProviderUnavailable as exc:
        raise ProviderDown(f"The payment provider did not answer ({exc.reason}); nothing was changed.") from None
    if not result.succeeded:
        raise ProviderRefused(f"The provider refused the {kind}: {result.failure_reason or 'no reason given'}.")
    return result


def capture_payment(
    *,
    merchant: Merchant,
    transaction_id: UUID | str,
    amount: Decimal | None,
    idempotency: IdempotentCreate | None,
    render: Render,
) -> IdempotentResult:
    """The merchant's capture request: once per Idempotency-Key, `amount` in the payment's currency."""

    def change(tx: Transaction) -> Transaction:
        minor = None if amount is None else amount_in_minor_units(amount=amount, currency=tx.currency)
        return capture(tx, amount_minor=minor, actor="api")

    return run_once(
        render=render, request=idempotency, lock=lambda: lock_payment(merchant, transaction_id), change=change
    )


def cancel_payment(
    *, merchant: Merchant, transaction_id: UUID | str, idempotency: IdempotentCreate | None, render: Render
) -> IdempotentResult:
    """The merchant's cancel request, once per Idempotency-Key."""
    return run_once(
        render=render,
        request=idempotency,
        lock=lambda: lock_payment(merchant, transaction_id),
        change=lambda tx: cancel(tx, actor="api"),
    )


def lock_payment(merchant: Merchant, transaction_id: UUID | str) -> Transaction:
    """The merchant's payment, locked for this transaction; another merchant's is a 404 like a missing one."""
    try:
        return Transaction.objects.select_for_update().get(pk=transaction_id, merchant=merchant)
    except Transaction.DoesNotExist:
        raise Http404 from None


def expire_authorizations(*, limit: int = 500) -> int:
    """Cancel authorizations older than CAPTURE_WINDOW_DAYS (beat). A provider that does not answer
    leaves the payment for the next run. Returns how many were canceled."""
    older_than = timezone.now() - timedelta(days=settings.CAPTURE_WINDOW_DAYS)
    ids = list(
        Transaction.objects.filter(status=Status.AUTHORIZED, authorized_at__lt=older_than)
        .order_by("authorized_at")
        .values_list("id", flat=True)[:limit]
    )
    canceled = 0
    for transaction_id in ids:
        try:
            with transaction.atomic():
                tx = Transaction.objects.select_for_update().get(pk=transaction_id)
                if tx.status != Status.AUTHORIZED:
                    continue  # captured or canceled meanwhile
                cancel(tx, actor="beat", reason=f"not captured within {settings.CAPTURE_WINDOW_DAYS} days")
                canceled += 1
        except (ProviderDown, ProviderRefused) as exc:
            logger.warning("authorization %s not canceled yet: %s", transaction_id, exc)
    return canceled
