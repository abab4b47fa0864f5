"""Deciding a payment: score it, record the decision and its event, move the payment on."""

import logging
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, transaction

from eventbus.outbox import enqueue_event
from transactions import cache
from transactions.models import Status, Transaction
from transactions.services import transition_transaction

from . import metrics
from .adapters.velocity import get_velocity_store
from .events import DECISION
from .facts import PaymentFacts
from .models import FraudDecision, Outcome
from .rules import RuleContext
from .scoring import Assessment, assess

logger = logging.getLogger(__name__)

FRAUD_DECLINE_REASON = "fraud_suspected"


def _summary(assessment: Assessment) -> str:
    top = sorted(assessment.fired, key=lambda rule: -rule.score)[:3]
    rules = "; ".join(rule.observed for rule in top) or "no rule fired"
    return f"score {assessment.score}: {rules}"[:500]


def _count(decision: FraudDecision, tx: Transaction) -> None:
    metrics.DECISIONS.labels(decision=decision.outcome).inc()
    for rule in decision.fired_rules:
        metrics.RULES_FIRED.labels(rule=rule["rule"]).inc()
    metrics.DECISION_LATENCY.observe(max(0.0, (decision.decided_at - tx.created_at).total_seconds()))


def decide_transaction(*, transaction_id: UUID | str) -> FraudDecision | None:
    """Score a pending payment once. Approvals go on to the provider (the decision event triggers it)."""
    tx = Transaction.objects.get(pk=transaction_id)
    existing = FraudDecision.objects.filter(transaction=tx).first()
    if existing is not None or tx.status != Status.PENDING:
        return existing
    # Scoring talks to Redis (velocity): outside any database transaction.
    assessment = assess(PaymentFacts.of(tx), context=RuleContext(velocity=get_velocity_store()))
    try:
        with transaction.atomic():
            decision = FraudDecision.objects.create(
                transaction=tx,
                score=assessment.score,
                outcome=assessment.outcome,
                fired_rules=[rule.as_dict() for rule in assessment.fired],
                review_at=assessment.thresholds.review_at,
                decline_at=assessment.thresholds.decline_at,
            )
            enqueue_event(
                event_type=DECISION,
                key=str(tx.id),
                topic=settings.TOPIC_DECISIONS,
                data={
                    "transaction_id": str(tx.id),
                    "merchant_id": str(tx.merchant_id),
                    "score": decision.score,
                    "decision": decision.outcome,
                    "fired_rules": decision.fired_rules,
                    "amount_minor": tx.amount_minor,
                    "currency": tx.currency,
                    "review_at": decision.review_at,
                    "decline_at": decision.decline_at,
                    "decided_at": decision.decided_at.isoformat(),
                },
            )
            if decision.outcome == Outcome.DECLINE:
                transition_transaction(
                    transaction_id=tx.id,
                    to=Status.DECLINED,
                    actor="antifraud",
                    reason=_summary(assessment),
                    decline_reason=FRAUD_DECLINE_REASON,
                )
            elif decision.outcome == Outcome.REVIEW:
                transition_transaction(
                    transaction_id=tx.id, to=Status.REVIEW, actor="antifraud", reason=_summary(assessment)
                )
            transaction.on_commit(lambda: cache.forget_resource(tx.id))
            transaction.on_commit(lambda: _count(decision, tx))
    except IntegrityError:
        logger.info("payment %s was decided concurrently", tx.id)
        return FraudDecision.objects.get(transaction=tx)
    return decision
