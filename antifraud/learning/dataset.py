"""The labelled history a model trains on: each decided payment with the features scoring stored for it.

A payment's label is its standing label (labels.py: merchant, analyst, provider). An unlabelled payment
approved longer ago than the label delay counts as legitimate: a fraud would have been reported by now.
Unlabelled payments that were declined or sent to review are left out: their truth was never learnt
(a declined payment is never charged back), and counting them as legitimate would teach the model to
let through what the rules stopped. Except where a label tells: once a card or an e-mail address has a
fraud label, its unlabelled declined or reviewed payments of the following week count as fraud (the
card or identity was compromised; the attempts the rules stopped are what the model must learn too).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from transactions.models import Transaction

from ..labels import Label, labels_for
from ..models import FraudDecision, Outcome

COMPROMISED_FOR = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class Example:
    transaction_id: str
    merchant_id: str
    card: str
    created_at: datetime
    features: dict[str, float]
    fraud: bool
    score: int  # what the policy of the day scored
    outcome: str
    review_at: int
    decline_at: int


def labelled_history(*, label_delay: timedelta, now: datetime) -> list[Example]:
    """The payments a model may learn from, oldest first (ties in the order they were decided, so that
    training on the same history gives the same model)."""
    decided = Transaction.objects.filter(fraud_decision__isnull=False)
    labels = labels_for(decided)
    cutoff = now - label_delay
    rows = list(
        FraudDecision.objects.order_by("transaction__created_at", "id").values_list(
            "transaction_id",
            "transaction__merchant_id",
            "transaction__card_fingerprint",
            "transaction__customer_email",
            "transaction__created_at",
            "features",
            "score",
            "outcome",
            "review_at",
            "decline_at",
        )
    )
    compromised = _compromised(rows, labels)
    examples = []
    for tx_id, merchant_id, card, email, created_at, features, score, outcome, review_at, decline_at in rows:
        labelled = labels.get(str(tx_id))
        if labelled is not None:
            fraud = labelled.label == Label.FRAUD
        elif outcome != Outcome.APPROVE:
            fraud = _within(compromised.get(("card", card)), created_at) or _within(
                compromised.get(("email", email.lower())), created_at
            )
            if not fraud:
                continue
        elif created_at > cutoff:
            continue
        else:
            fraud = False
        examples.append(
            Example(
                transaction_id=str(tx_id),
                merchant_id=str(merchant_id),
                card=card,
                created_at=created_at,
                features=features,
                fraud=fraud,
                score=score,
                outcome=outcome,
                review_at=review_at,
                decline_at=decline_at,
            )
        )
    return examples


def _compromised(rows: list[tuple[Any, ...]], labels: dict) -> dict[tuple[str, str], datetime]:
    """When each card and e-mail address was first labelled fraud (the payment's time)."""
    first: dict[tuple[str, str], datetime] = {}
    for tx_id, _, card, email, created_at, *_ in rows:
        labelled = labels.get(str(tx_id))
        if labelled is not None and labelled.label == Label.FRAUD:
            for key in (("card", card), ("email", email.lower())):
                if key[1] and key not in first:
                    first[key] = created_at
    return first


def _within(since: datetime | None, moment: datetime) -> bool:
    return since is not None and since <= moment <= since + COMPROMISED_FOR
