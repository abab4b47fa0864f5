"""Sending approved payments to the payment provider."""

import logging
from uuid import UUID

from django.db import transaction

from .adapters.provider import AuthorizationRequest, ProviderUnavailable, get_provider
from .metrics import PROVIDER_CALLS
from .models import Status, Transaction
from .services import transition_transaction

logger = logging.getLogger(__name__)


def authorize_transaction(*, transaction_id: UUID | str) -> Transaction:
    """Ask the provider once the payment is cleared by fraud checks; no database transaction is held meanwhile.

    The transaction id is the provider's idempotency key, so a retried call cannot charge twice.
    """
    tx = Transaction.objects.get(pk=transaction_id)
    if tx.status not in {Status.PENDING, Status.REVIEW}:
        return tx
    provider = get_provider()
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
    actor = f"provider:{provider.name}"
    try:
        result = provider.authorize(request)
    except ProviderUnavailable as exc:
        to, reason, decline_reason = Status.FAILED, f"provider unavailable: {exc.reason}", exc.reason
        outcome = "unavailable"
    else:
        if result.approved:
            to, reason, decline_reason = Status.APPROVED, f"authorized ({result.reference})", ""
        else:
            to, reason, decline_reason = Status.DECLINED, "declined by the issuer", result.decline_reason
        outcome = "approved" if result.approved else "declined"
    PROVIDER_CALLS.labels(provider=provider.name, outcome=outcome).inc()
    with transaction.atomic():
        current = Transaction.objects.select_for_update().get(pk=tx.pk)
        if current.status not in {Status.PENDING, Status.REVIEW}:
            logger.info("payment %s already %s; provider result not applied again", tx.id, current.status)
            return current
        return transition_transaction(
            transaction_id=tx.id, to=to, actor=actor, reason=reason, decline_reason=decline_reason
        )
