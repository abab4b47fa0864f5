"""Embedded analytics: the same summary computed from the main database (SQLite or PostgreSQL)."""

from typing import Any

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncDay, TruncHour, TruncMinute

from antifraud.adapters.ports import HistoricalPayment, Summary, SummaryQuery
from antifraud.facts import PaymentFacts
from antifraud.labels import labels_for
from antifraud.models import FraudDecision
from transactions.models import Refund, RefundStatus, Transaction

_TRUNC = {"minute": TruncMinute, "hour": TruncHour, "day": TruncDay}


class DatabaseAnalytics:
    def write(
        self,
        *,
        payments: list[dict[str, Any]],
        decisions: list[dict[str, Any]],
        refunds: list[dict[str, Any]] = (),
        labels: list[dict[str, Any]] = (),
        features: list[dict[str, Any]] = (),
    ) -> None:
        """Nothing to do: the rows are the main database's own."""

    @staticmethod
    def _payments(query: SummaryQuery) -> QuerySet[Transaction]:
        payments = Transaction.objects.filter(created_at__gte=query.start, created_at__lt=query.end)
        if query.merchant_id is not None:
            payments = payments.filter(merchant_id=query.merchant_id)
        return payments

    def history(self, query: SummaryQuery) -> list[HistoricalPayment]:
        payments = self._payments(query)
        labels = labels_for(payments)
        outcomes = dict(FraudDecision.objects.filter(transaction__in=payments).values_list("transaction_id", "outcome"))
        return [
            HistoricalPayment(facts=PaymentFacts.of(tx), outcome=outcomes.get(tx.pk, ""), label=labels.get(str(tx.pk)))
            for tx in payments.order_by("created_at", "id").iterator(chunk_size=2000)
        ]

    def summary(self, query: SummaryQuery) -> Summary:
        payments = self._payments(query)
        summary = Summary()
        for row in payments.values("status", "currency").annotate(count=Count("id"), amount=Sum("amount_minor")):
            summary.by_status[row["status"]] = summary.by_status.get(row["status"], 0) + row["count"]
            if row["status"] == "approved":
                summary.volume[row["currency"]] = summary.volume.get(row["currency"], 0) + row["amount"]
        series: dict[Any, dict[str, Any]] = {}
        buckets = (
            payments.annotate(bucket_start=_TRUNC[query.bucket]("created_at"))
            .values("bucket_start", "status")
            .annotate(count=Count("id"))
            .order_by("bucket_start")
        )
        for row in buckets:
            series.setdefault(row["bucket_start"], {"bucket_start": row["bucket_start"]})[row["status"]] = row["count"]
        summary.series = list(series.values())
        decisions = FraudDecision.objects.filter(transaction__in=payments)
        summary.decisions = {
            row["outcome"]: row["count"] for row in decisions.values("outcome").annotate(count=Count("id"))
        }
        fired: dict[str, int] = {}
        for rules in decisions.values_list("fired_rules", flat=True):
            for rule in rules:
                fired[rule["rule"]] = fired.get(rule["rule"], 0) + 1
        summary.top_rules = sorted(fired.items(), key=lambda item: (-item[1], item[0]))[:10]
        summary.count_labels(labels_for(payments).values())
        for shadow, outcome in decisions.exclude(shadow_rules=[]).values_list("shadow_rules", "outcome"):
            for rule in shadow:
                summary.count_shadow(rule["rule"], outcome)
        refunds = Refund.objects.filter(
            status=RefundStatus.SUCCEEDED, created_at__gte=query.start, created_at__lt=query.end
        )
        if query.merchant_id is not None:
            refunds = refunds.filter(transaction__merchant_id=query.merchant_id)
        for row in refunds.values("currency").annotate(count=Count("id"), amount=Sum("amount_minor")):
            summary.refunds[row["currency"]] = row["amount"]
            summary.refund_count += row["count"]
        return summary
