"""Deciding payments: score them, record each decision and its event, move the payment on.

Payments are decided in batches (the event bridge hands them over per Kafka batch): one read of the
payments, one round trip to the velocity store, one database transaction for the decisions and their
events. Approved payments go to the provider straight away; the decision event's handler re-drives any
approval a crash left behind.
"""

import logging
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, transaction

from eventbus.outbox import enqueue_events, outbox_event
from transactions import cache
from transactions.authorization import authorize_transactions
from transactions.models import Status, Transaction
from transactions.services import Transition, transition_transactions

from .. import metrics
from ..adapters import get_velocity_store
from ..events import DECISION, FEATURES, decision_data, features_data
from ..facts import PaymentFacts
from ..models import FraudDecision, Outcome
from ..scoring import Assessment, assess_many
from ..selectors import pending_undecided

logger = logging.getLogger(__name__)

FRAUD_DECLINE_REASON = "fraud_suspected"


def _summary(assessment: Assessment) -> str:
    lists = [rule.observed for rule in assessment.fired if rule.type.endswith("_list")]
    factors = "; ".join(lists or [factor.text for factor in assessment.explanation]) or "no rule fired"
    scored_by = f"model {assessment.model_version} " if assessment.model_version else ""
    return f"{scored_by}score {assessment.score}: {factors}"[:500]


def _count(decision: FraudDecision, tx: Transaction) -> None:
    metrics.DECISIONS.labels(decision=decision.outcome).inc()
    for rule in decision.fired_rules:
        metrics.RULES_FIRED.labels(rule=rule["rule"]).inc()
    metrics.DECISION_LATENCY.observe(max(0.0, (decision.decided_at - tx.created_at).total_seconds()))


def decide_transaction(*, transaction_id: UUID | str) -> FraudDecision | None:
    """Score a pending payment once (see `decide_transactions`); returns its decision, new or earlier."""
    decide_transactions(transaction_ids=[transaction_id])
    return FraudDecision.objects.filter(transaction_id=transaction_id).first()


def decide_transactions(*, transaction_ids: list[UUID | str]) -> dict[str, FraudDecision]:
    """Score each pending, undecided payment once, oldest first; return the decisions made now."""
    pending = pending_undecided(transaction_ids)
    if not pending:
        return {}
    # Scoring talks to Redis (velocity): outside any database transaction.
    assessments = assess_many([PaymentFacts.of(tx) for tx in pending], velocity=get_velocity_store())
    try:
        with transaction.atomic():
            new = _record_decisions(list(zip(pending, assessments, strict=True)))
    except IntegrityError:
        # Some were decided concurrently (a redelivered batch racing this one): keep theirs, record ours.
        logger.info("a batch of %d payments was partly decided concurrently; recording one by one", len(pending))
        new = {}
        for tx, assessment in zip(pending, assessments, strict=True):
            try:
                with transaction.atomic():
                    new |= _record_decisions([(tx, assessment)])
            except IntegrityError:
                logger.info("payment %s was decided concurrently", tx.id)
    authorize_transactions(
        transaction_ids=[tx_id for tx_id, decision in new.items() if decision.outcome == Outcome.APPROVE]
    )
    return new


def _record_decisions(scored: list[tuple[Transaction, Assessment]]) -> dict[str, FraudDecision]:
    """Decisions, their events and the review/decline transitions: call inside one database transaction."""
    created = FraudDecision.objects.bulk_create(
        [
            FraudDecision(
                transaction=tx,
                score=assessment.score,
                outcome=assessment.outcome,
                fired_rules=[rule.as_dict() for rule in assessment.fired],
                shadow_rules=[rule.as_dict() for rule in assessment.shadow],
                rules_version=assessment.rules_version,
                review_at=assessment.thresholds.review_at,
                decline_at=assessment.thresholds.decline_at,
                features={name: value for name, value in assessment.features.items() if value is not None},
                model_version=assessment.model_version,
                shadow_model_version=assessment.shadow_model_version,
                shadow_score=assessment.shadow_score,
                explanation=[factor.as_dict() for factor in assessment.explanation],
            )
            for tx, assessment in scored
        ]
    )
    decided = [(tx, assessment, decision) for (tx, assessment), decision in zip(scored, created, strict=True)]
    enqueue_events(
        [
            outbox_event(
                event_type=DECISION,
                key=str(tx.id),
                topic=settings.TOPIC_DECISIONS,
                data=decision_data(tx, decision, outcome=decision.outcome, decided_at=decision.decided_at),
            )
            for tx, _, decision in decided
        ]
        + [
            outbox_event(
                event_type=FEATURES,
                key=str(decided[0][0].id),
                topic=settings.TOPIC_FEATURES,
                data=features_data([decision for _, _, decision in decided]),
            )
        ]
    )
    changes = []
    for tx, assessment, decision in decided:
        if decision.outcome == Outcome.DECLINE:
            changes.append(Transition(tx.id, Status.DECLINED, "antifraud", _summary(assessment), FRAUD_DECLINE_REASON))
        elif decision.outcome == Outcome.REVIEW:
            changes.append(Transition(tx.id, Status.REVIEW, "antifraud", _summary(assessment)))
        transaction.on_commit(lambda tx=tx, decision=decision: _count(decision, tx))
    # The cached resource of each payment shows no decision yet. A transition drops its payments' own;
    # drop the others' (approvals, whose status does not change here) in one round trip.
    moved = {change.transaction_id for change in changes}
    unmoved = [tx.id for tx, _, _ in decided if tx.id not in moved]
    if unmoved:
        transaction.on_commit(lambda: cache.forget_resources(unmoved))
    if changes:
        transition_transactions(changes)
    return {str(tx.id): decision for tx, _, decision in decided}
