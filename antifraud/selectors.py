"""Reads for the analyst console, and the batch the scoring worker decides."""

import logging
from datetime import timedelta

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from transactions.batch_reads import Ids, id_array, select_payments
from transactions.models import Status, Transaction

from .adapters import get_analytics
from .adapters.ports import Summary, SummaryQuery
from .errors import AnalyticsUnavailable
from .models import AnalystReview, FraudDecision

logger = logging.getLogger(__name__)

RELATED_WINDOW = timedelta(days=30)


def pending_undecided(ids: Ids) -> list[Transaction]:
    """The payments among `ids` still pending and without a fraud decision, oldest first: a batch to
    score. On PostgreSQL one statement built once per process (transactions/batch_reads.py)."""
    if connection.vendor != "postgresql":
        query = Transaction.objects.filter(pk__in=ids, status=Status.PENDING, fraud_decision__isnull=True)
        return list(query.order_by("created_at", "id"))
    decisions = connection.ops.quote_name(FraudDecision._meta.db_table)  # a model's table, not input
    sql = select_payments(
        f"t.id = ANY(%s) AND t.status = %s AND NOT EXISTS (SELECT 1 FROM {decisions} d WHERE d.transaction_id = t.id)",  # noqa: S608
        order_by="t.created_at, t.id",
    )
    return list(Transaction.objects.raw(sql, [id_array(ids), Status.PENDING.value]))


def review_queue() -> QuerySet[Transaction]:
    """Payments waiting for an analyst, with what the list needs in the same query."""
    # An approved payment stays in `review` until the provider answers: NOT EXISTS keeps it out, and
    # (unlike a LEFT JOIN … IS NULL) lets PostgreSQL estimate it and walk the queue index in order.
    decided = AnalystReview.objects.filter(transaction=OuterRef("pk"))
    return (
        Transaction.objects.filter(status=Status.REVIEW)
        .filter(~Exists(decided))
        .select_related("merchant", "fraud_decision")
    )


def with_fired_rule(queryset: QuerySet[Transaction], rule: str) -> QuerySet[Transaction]:
    """Payments whose decision fired `rule`: JSON containment on PostgreSQL (jsonb @>, five times faster over
    100,000 rows), a text match on SQLite, which has no JSON containment."""
    if connection.vendor == "postgresql":
        return queryset.filter(fraud_decision__fired_rules__contains=[{"rule": rule}])
    return queryset.filter(fraud_decision__fired_rules__icontains=f'"rule": "{rule}"')


def related_payments(tx: Transaction, *, limit: int = 20) -> QuerySet[Transaction]:
    """Other payments in the last 30 days with the same card, e-mail, IP or device."""
    same = Q(card_fingerprint=tx.card_fingerprint)
    if tx.customer_email:
        same |= Q(customer_email__iexact=tx.customer_email)
    if tx.customer_ip:
        same |= Q(customer_ip=tx.customer_ip)
    if tx.device_id:
        same |= Q(device_id=tx.device_id)
    return (
        Transaction.objects.filter(same, created_at__gte=timezone.now() - RELATED_WINDOW)
        .exclude(pk=tx.pk)
        .order_by("-created_at")[:limit]
    )


def analytics_summary(query: SummaryQuery) -> Summary:
    """The summary from the configured store. A store that fails (ClickHouse down, chDB unable to open
    its files) is a 503 for this read, never a 500: payments and their events do not depend on it."""
    try:
        return get_analytics().summary(query)
    except Exception as exc:
        logger.exception("analytics store failed")
        raise AnalyticsUnavailable() from exc
