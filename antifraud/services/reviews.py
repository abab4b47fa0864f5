"""Analysts' decisions on payments in review.

They go through the same state machine and emit the same `antifraud.decision` event as automatic
decisions: a decline moves the payment at once; an approval is sent to the provider by the same
handler that authorizes automatic approvals.
"""

from uuid import UUID

from django.conf import settings
from django.db import transaction

from audit.services import record
from eventbus.outbox import enqueue_event
from transactions import cache
from transactions.models import Status, Transaction
from transactions.services import transition_transaction

from ..errors import AlreadyReviewed, ReasonRequired
from ..events import DECISION, decision_data
from ..models import AnalystReview, FraudDecision, Outcome

REVIEW_DECLINE_REASON = "fraud_review"


def review_transaction(*, transaction_id: UUID | str, analyst: str, outcome: str, reason: str) -> AnalystReview:
    """Approve or decline a payment in review, once: a second analyst acting at the same time gets AlreadyReviewed."""
    if outcome not in {Outcome.APPROVE, Outcome.DECLINE}:
        raise ValueError(f"outcome must be approve or decline, not {outcome!r}")
    reason = reason.strip()
    if not reason:
        raise ReasonRequired(param="reason")
    actor = f"user:{analyst}"
    with transaction.atomic():
        tx = Transaction.objects.select_for_update().get(pk=transaction_id)
        already = AnalystReview.objects.filter(transaction=tx).first()
        if tx.status != Status.REVIEW or already is not None:
            who = f" by {already.analyst}" if already else ""
            raise AlreadyReviewed(f"Payment {tx.id} was already decided{who}; it is {tx.status} now.")
        review = AnalystReview.objects.create(transaction=tx, analyst=analyst, outcome=outcome, reason=reason)
        automatic = FraudDecision.objects.filter(transaction=tx).first()
        enqueue_event(
            event_type=DECISION,
            key=str(tx.id),
            topic=settings.TOPIC_DECISIONS,
            data=decision_data(tx, automatic, outcome=outcome, decided_at=review.decided_at, decided_by=actor),
        )
        record(
            actor=analyst,
            action=f"review.{outcome}",
            target=tx,
            before={"status": tx.status},
            after={"outcome": outcome},
            note=reason,
        )
        if outcome == Outcome.DECLINE:
            transition_transaction(
                transaction_id=tx.id,
                to=Status.DECLINED,
                actor=actor,
                reason=reason,
                decline_reason=REVIEW_DECLINE_REASON,
            )
        transaction.on_commit(lambda: cache.forget_resource(tx.id))
    return review


def note_payment(*, tx: Transaction, analyst: str, note: str) -> None:
    """An analyst's note on a payment, kept in the audit log (shown on the payment's page)."""
    if not note.strip():
        raise ReasonRequired("The note is empty.")
    record(actor=analyst, action="note", target=tx, note=note)
