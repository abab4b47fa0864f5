"""A shadow candidate against the live policy on the labelled payments it has scored since it started:
the same measures for both, from the scores stored on each decision."""

from typing import Any

from transactions.models import Transaction

from ..labels import Label, labels_for
from ..models import FraudDecision, FraudModelVersion
from .metrics import Scored, day_of, measure, outcome_at

LIMIT = 200_000


def shadow_comparison(version: FraudModelVersion) -> dict[str, dict[str, Any]] | None:
    """{"candidate": metrics, "live": metrics} on labelled payments it scored in shadow; None if none."""
    decisions = list(
        FraudDecision.objects.filter(shadow_model_version=version.number, shadow_score__isnull=False)
        .select_related("transaction")
        .only(
            "score",
            "outcome",
            "shadow_score",
            "review_at",
            "decline_at",
            "transaction__created_at",
            "transaction__card_fingerprint",
        )
        .order_by("-id")[:LIMIT]
    )
    if not decisions:
        return None
    labels = labels_for(Transaction.objects.filter(pk__in=[decision.transaction_id for decision in decisions]))
    labelled = [
        (decision, labels[str(decision.transaction_id)])
        for decision in decisions
        if str(decision.transaction_id) in labels
    ]
    if not labelled:
        return None

    def scored(decision: FraudDecision, fraud: bool, *, candidate: bool) -> Scored:
        tx = decision.transaction
        if candidate:
            score = decision.shadow_score or 0
            outcome = outcome_at(score, review_at=decision.review_at, decline_at=decision.decline_at)
        else:
            score, outcome = decision.score, decision.outcome
        return Scored(tx.card_fingerprint, day_of(tx.created_at), score, fraud, outcome)

    return {
        name: measure(
            [
                scored(decision, found.label == Label.FRAUD, candidate=name == "candidate")
                for decision, found in labelled
            ]
        )
        for name in ("candidate", "live")
    }
