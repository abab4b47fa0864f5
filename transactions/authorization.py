"""Sending approved payments to the payment provider."""

from uuid import UUID

from django.utils import timezone

from .adapters import get_provider
from .adapters.ports import AuthorizationRequest, ProviderUnavailable
from .metrics import PROVIDER_CALLS
from .models import CaptureMethod, Status, Transaction
from .services import Transition, transition_transactions

AUTHORIZABLE = (Status.PENDING, Status.REVIEW)


def authorize_transaction(*, transaction_id: UUID | str) -> Transaction:
    """Ask the provider for one payment (see `authorize_transactions`); returns it as it is now."""
    authorize_transactions(transaction_ids=[transaction_id])
    return Transaction.objects.get(pk=transaction_id)


def authorize_transactions(*, transaction_ids: list[UUID | str]) -> list[Transaction]:
    """Ask the provider about each payment cleared by fraud checks, then record all outcomes in one
    database transaction. No database transaction is held while the provider answers, and the payment
    id is the provider's idempotency key, so a retried call cannot charge twice. Returns the payments
    that changed."""
    if not transaction_ids:  # most scoring batches approve nothing: no query to build
        return []
    payments = list(Transaction.objects.filter(pk__in=transaction_ids, status__in=AUTHORIZABLE))
    if not payments:
        return []
    provider = get_provider()
    actor = f"provider:{provider.name}"
    held = (("authorized_at", timezone.now()),)  # one moment for the batch: one UPDATE for all its holds
    changes = []
    for tx in payments:
        request = AuthorizationRequest(
            transaction_id=str(tx.id),
            merchant_id=str(tx.merchant_id),
            amount_minor=tx.amount_minor,
            currency=tx.currency,
            card_brand=tx.card_brand,
            card_bin=tx.card_bin,
            card_last4=tx.card_last4,
            card_fingerprint=tx.card_fingerprint,
        )
        try:
            result = provider.authorize(request)
        except ProviderUnavailable as exc:
            change = Transition(tx.id, Status.FAILED, actor, f"provider unavailable: {exc.reason}", exc.reason)
            outcome = "unavailable"
        else:
            if result.approved and tx.capture_method == CaptureMethod.MANUAL:
                change = Transition(tx.id, Status.AUTHORIZED, actor, f"authorized ({result.reference})", sets=held)
            elif result.approved:
                reason = f"authorized ({result.reference})"
                change = Transition(tx.id, Status.APPROVED, actor, reason, captured_in_full=True)
            else:
                change = Transition(tx.id, Status.DECLINED, actor, "declined by the issuer", result.decline_reason)
            outcome = "approved" if result.approved else "declined"
        PROVIDER_CALLS.labels(provider=provider.name, operation="authorize", outcome=outcome).inc()
        changes.append(change)
    # A payment decided meanwhile (an analyst, a redelivered event) keeps that decision.
    return transition_transactions(changes, only_from=AUTHORIZABLE)
