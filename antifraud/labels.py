"""Labels: what we learnt afterwards about a payment, the ground truth that rules are measured against.

Three sources, the first that has something standing: the merchant's fraud report, an analyst's
review, a provider decline that says fraud (a stolen or lost card). Most payments have no label.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import QuerySet

from .models import AnalystReview, FraudReport, FraudReportReason, Outcome


class Label(models.TextChoices):
    FRAUD = "fraud"
    LEGIT = "legit"


class LabelSource(models.TextChoices):
    MERCHANT = "merchant"
    ANALYST = "analyst"
    PROVIDER = "provider"


# The first source with a label wins: the merchant knows best (a chargeback, a confirmed customer).
PRECEDENCE = (LabelSource.MERCHANT, LabelSource.ANALYST, LabelSource.PROVIDER)
# Provider decline reasons that say the card was used by someone else.
PROVIDER_FRAUD_DECLINES = frozenset({"stolen_card", "lost_card", "pickup_card", "suspected_fraud"})


@dataclass(frozen=True, slots=True)
class Labelled:
    label: str
    source: str


def report_label(reason: str) -> str:
    return Label.LEGIT if reason == FraudReportReason.NOT_FRAUD else Label.FRAUD


def review_label(outcome: str) -> str:
    return Label.FRAUD if outcome == Outcome.DECLINE else Label.LEGIT


def standing(labels: dict[str, str]) -> Labelled | None:
    """The label that stands among {source: label}, by precedence."""
    for source in PRECEDENCE:
        if source in labels:
            return Labelled(labels[source], source)
    return None


def standing_labels(
    *, provider_fraud: Iterable[Any], analyst: Iterable[tuple[Any, str]], merchant: Iterable[tuple[Any, str]]
) -> dict[str, Labelled]:
    """The standing label per payment id, from each source's findings: ids a provider declined for
    fraud, (id, review outcome) of analysts, (id, report reason) of merchants."""
    by_payment: dict[str, dict[str, str]] = {}
    for transaction_id in provider_fraud:
        by_payment.setdefault(str(transaction_id), {})[LabelSource.PROVIDER] = Label.FRAUD
    for transaction_id, outcome in analyst:
        by_payment.setdefault(str(transaction_id), {})[LabelSource.ANALYST] = review_label(outcome)
    for transaction_id, reason in merchant:
        by_payment.setdefault(str(transaction_id), {})[LabelSource.MERCHANT] = report_label(reason)
    return {payment_id: found for payment_id, labels in by_payment.items() if (found := standing(labels))}


def labels_for(payments: QuerySet) -> dict[str, Labelled]:
    """The standing label of the payments of a Transaction queryset, from the main database."""
    return standing_labels(
        provider_fraud=payments.filter(status="declined", decline_reason__in=PROVIDER_FRAUD_DECLINES).values_list(
            "pk", flat=True
        ),
        analyst=AnalystReview.objects.filter(transaction__in=payments).values_list("transaction_id", "outcome"),
        merchant=FraudReport.objects.filter(transaction__in=payments).values_list("transaction_id", "reason"),
    )
