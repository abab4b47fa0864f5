"""Label history: each fraud label, when it arrives, adds its payment to the fraud windows of the
payment's card, e-mail, device and IP address (features.LABEL_WINDOWS). Scoring reads those windows, so
a payment counts the labels that existed when it was scored. A label later withdrawn (a report changed
to not_fraud) stays counted until its window expires: the rarer error, and the analyst sees both.
"""

from collections.abc import Iterable
from typing import Any

from django.utils.dateparse import parse_datetime

from transactions.models import Transaction

from .adapters.ports import VelocityStore, WindowUpdate
from .analytics import label_row
from .facts import PaymentFacts
from .features import LABEL_WINDOWS
from .labels import Label


def fraud_labelled(envelopes: Iterable[dict[str, Any]]) -> dict[str, float]:
    """{payment id: epoch seconds of the label} of the events that label a payment as fraud."""
    found = {}
    for envelope in envelopes:
        row = label_row(envelope)
        if row is not None and row["label"] == Label.FRAUD:
            labelled_at = parse_datetime(envelope["occurred_at"])
            found[row["transaction_id"]] = labelled_at.timestamp() if labelled_at else 0.0
    return found


def label_updates(facts: PaymentFacts, labelled_at: float) -> list[WindowUpdate]:
    """The payment added, at the label's time, to the fraud windows of each identity it has."""
    return [
        WindowUpdate(name, facts.transaction_id, 0, labelled_at, window.seconds)
        for window in LABEL_WINDOWS
        if (name := window.name(facts)) is not None
    ]


def record_fraud_labels(labelled: dict[str, float], *, velocity: VelocityStore) -> int:
    """Add each fraud-labelled payment to its identities' fraud windows; returns the updates made."""
    updates = [
        update
        for tx in Transaction.objects.filter(pk__in=list(labelled))
        for update in label_updates(PaymentFacts.of(tx), labelled[str(tx.pk)])
    ]
    velocity.record_many(updates)
    return len(updates)
