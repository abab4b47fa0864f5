"""Analytics: the rows events become, the summary merchants read, and the store behind both.

ClickHouse in deployments; without CLICKHOUSE_URL the summary is computed from the main database.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple, Protocol

from django.conf import settings
from django.utils.dateparse import parse_datetime

from payproc.http.errors import API_ERROR, DomainError
from transactions.events import REFUND_FAILED, REFUND_SUCCEEDED, TRANSACTION_CREATED, TRANSACTION_STATUS_CHANGED

from .events import DECISION, FRAUD_REPORT
from .facts import PaymentFacts
from .labels import PROVIDER_FRAUD_DECLINES, Label, Labelled, LabelSource, report_label, review_label

BUCKETS = ("minute", "hour", "day")
FINAL_STATUSES_FOR_APPROVAL = ("approved", "declined", "failed")


@dataclass(frozen=True, slots=True)
class SummaryQuery:
    merchant_id: str | None  # None: every merchant (the analysts' page)
    start: datetime
    end: datetime
    bucket: str


@dataclass
class Summary:
    by_status: dict[str, int] = field(default_factory=dict)
    volume: dict[str, int] = field(default_factory=dict)  # approved amount by currency, minor units
    decisions: dict[str, int] = field(default_factory=dict)
    top_rules: list[tuple[str, int]] = field(default_factory=list)
    series: list[dict[str, Any]] = field(default_factory=list)  # [{bucket_start, status: count…}]
    refunds: dict[str, int] = field(default_factory=dict)  # succeeded refund amount by currency, minor units
    refund_count: int = 0
    labels: dict[str, int] = field(default_factory=dict)  # payments of the period by standing label
    # How often each shadow rule would have fired, by the decision's outcome: {rule: {outcome: count}}.
    shadow_rules: dict[str, dict[str, int]] = field(default_factory=dict)

    def count_shadow(self, rule: str, outcome: str, count: int = 1) -> None:
        outcomes = self.shadow_rules.setdefault(rule, {})
        outcomes[outcome] = outcomes.get(outcome, 0) + count

    @property
    def payments(self) -> int:
        return sum(self.by_status.values())

    @property
    def approval_rate(self) -> float | None:
        finished = sum(self.by_status.get(status, 0) for status in FINAL_STATUSES_FOR_APPROVAL)
        return round(self.by_status.get("approved", 0) / finished, 4) if finished else None

    @property
    def refund_rate(self) -> float | None:
        """Refunds made per captured payment of the period (approved, or refunded since)."""
        captured = self.by_status.get("approved", 0) + self.by_status.get("refunded", 0)
        return round(self.refund_count / captured, 4) if captured else None

    @property
    def fraud_rate(self) -> float | None:
        decided = sum(self.decisions.values())
        return round(self.decisions.get("decline", 0) / decided, 4) if decided else None


@dataclass(frozen=True, slots=True)
class HistoricalPayment:
    """A stored payment as the backtest replays it: its facts, the outcome our rules gave, its label."""

    facts: PaymentFacts
    outcome: str  # approve, review or decline; "" when it was never scored
    label: Labelled | None


class AnalyticsStore(Protocol):
    def write(
        self,
        *,
        payments: list[dict[str, Any]],
        decisions: list[dict[str, Any]],
        refunds: list[dict[str, Any]] = (),
        labels: list[dict[str, Any]] = (),
    ) -> None: ...

    def summary(self, query: SummaryQuery) -> Summary: ...

    def history(self, query: SummaryQuery) -> list[HistoricalPayment]:
        """The payments created in the period (of the merchant, if given), oldest first."""
        ...


def _ts(value: str) -> datetime:
    parsed = parse_datetime(value)
    assert parsed is not None, value
    return parsed


def payment_row(envelope: dict[str, Any]) -> dict[str, Any]:
    data = envelope["data"]
    return {
        "transaction_id": data["transaction_id"],
        "merchant_id": data["merchant_id"],
        "status": data["status"],
        "amount_minor": data["amount_minor"],
        "currency": data["currency"],
        "card_brand": data["card"]["brand"],
        "card_bin": data["card"]["bin"],
        "customer_country": data["customer"]["country"],
        # What the backtest needs to rebuild velocity windows (keyed fingerprint, never the PAN).
        "card_fingerprint": data["card"]["fingerprint"],
        "customer_email": data["customer"]["email"],
        "customer_ip": data["customer"]["ip"] or "",
        "device_id": data.get("device_id", ""),
        "created_at": _ts(data["created_at"]),
        "updated_at": _ts(envelope["occurred_at"]),
        "version": data.get("version", 1),
    }


def decision_row(envelope: dict[str, Any], created_at: datetime | None = None) -> dict[str, Any]:
    data = envelope["data"]
    decided_at = _ts(data["decided_at"])
    return {
        "transaction_id": data["transaction_id"],
        "merchant_id": data["merchant_id"],
        "score": data["score"],
        "decision": data["decision"],
        "fired_rules": [rule["rule"] for rule in data["fired_rules"]],
        "shadow_rules": [rule["rule"] for rule in data.get("shadow_rules", [])],
        "rules_version": data.get("rules_version") or 0,
        "amount_minor": data["amount_minor"],
        "currency": data["currency"],
        "created_at": created_at or decided_at,
        "decided_at": decided_at,
    }


def refund_row(envelope: dict[str, Any]) -> dict[str, Any]:
    data = envelope["data"]
    return {
        "refund_id": data["refund_id"],
        "transaction_id": data["transaction_id"],
        "merchant_id": data["merchant_id"],
        "status": data["status"],
        "amount_minor": data["amount_minor"],
        "currency": data["currency"],
        "created_at": _ts(data["created_at"]),
        "settled_at": _ts(envelope["occurred_at"]),
    }


def label_row(envelope: dict[str, Any]) -> dict[str, Any] | None:
    """The label an event gives its payment: a merchant's report, an analyst's review, a provider decline
    for fraud; None for the events that say nothing about fraud."""
    data, kind = envelope["data"], envelope["type"]
    if kind == FRAUD_REPORT:
        source, label = LabelSource.MERCHANT, report_label(data["reason"])
    elif kind == DECISION and data.get("decided_by", "").startswith("user:"):
        source, label = LabelSource.ANALYST, review_label(data["decision"])
    elif (
        kind == TRANSACTION_STATUS_CHANGED
        and data["status"] == "declined"
        and data.get("decline_reason") in PROVIDER_FRAUD_DECLINES
    ):
        source, label = LabelSource.PROVIDER, Label.FRAUD
    else:
        return None
    return {
        "transaction_id": data["transaction_id"],
        "merchant_id": data["merchant_id"],
        "source": source,
        "label": label,
        "labelled_at": _ts(envelope["occurred_at"]),
    }


class Rows(NamedTuple):
    payments: list[dict[str, Any]]
    decisions: list[dict[str, Any]]
    refunds: list[dict[str, Any]]
    labels: list[dict[str, Any]]


ANALYTICS_EVENTS = (
    TRANSACTION_CREATED,
    TRANSACTION_STATUS_CHANGED,
    DECISION,
    REFUND_SUCCEEDED,
    REFUND_FAILED,
    FRAUD_REPORT,
)


def rows_from_events(envelopes: list[dict[str, Any]]) -> Rows:
    """Split a batch of events into payment, decision, refund and label rows; other events are not analytics."""
    rows = Rows([], [], [], [])
    for envelope in envelopes:
        if envelope["type"] in {TRANSACTION_CREATED, TRANSACTION_STATUS_CHANGED}:
            rows.payments.append(payment_row(envelope))
        elif envelope["type"] == DECISION:
            rows.decisions.append(decision_row(envelope))
        elif envelope["type"] in {REFUND_SUCCEEDED, REFUND_FAILED}:
            rows.refunds.append(refund_row(envelope))
        if (label := label_row(envelope)) is not None:
            rows.labels.append(label)
    return rows


logger = logging.getLogger(__name__)


class AnalyticsUnavailable(DomainError):
    status_code = 503
    error_type = API_ERROR
    code = "analytics_unavailable"
    default_message = "The analytics store cannot be reached right now; payments are not affected. Retry later."


def summarise(query: "SummaryQuery") -> "Summary":
    """The summary from the configured store. A store that fails (ClickHouse down, chDB unable to open
    its files) is a 503 for this read, never a 500: payments and their events do not depend on it."""
    try:
        return get_analytics().summary(query)
    except Exception as exc:
        logger.exception("analytics store failed")
        raise AnalyticsUnavailable() from exc


def analytics_backend() -> str:
    """ClickHouse when configured; otherwise chDB in-process; without chDB (or when asked), the main database.

    One of "clickhouse", "chdb", "database", or "chdb_missing" (chDB wanted but not installed)."""
    if settings.CLICKHOUSE_URL:
        return "clickhouse"
    if settings.ANALYTICS_EMBEDDED != "chdb":
        return "database"
    from .adapters.chdb_analytics import chdb_available

    return "chdb" if chdb_available() else "chdb_missing"


def get_analytics() -> AnalyticsStore:
    backend = analytics_backend()
    if backend == "clickhouse":
        from .adapters.clickhouse import ClickHouseAnalytics

        return ClickHouseAnalytics.from_url(settings.CLICKHOUSE_URL)
    if backend == "chdb":
        from .adapters.chdb_analytics import embedded_store

        return embedded_store()
    from .adapters.db_analytics import DatabaseAnalytics

    return DatabaseAnalytics()


def describe_analytics() -> str:
    """One line for `make run`: which analytics store this configuration uses."""
    return {
        "clickhouse": f"ClickHouse at {settings.CLICKHOUSE_URL}",
        "chdb": f"chDB (ClickHouse in-process) in {settings.CHDB_PATH}",
        "chdb_missing": (
            "chDB is not installed: analytics are computed from the main database (pip install chdb to switch)"
        ),
        "database": "computed from the main database (ANALYTICS_EMBEDDED=database)",
    }[analytics_backend()]
