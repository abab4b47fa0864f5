"""The anti-fraud ports. The analytics store: the summary merchants and analysts read, and the history the
backtest replays; ClickHouse in deployments (clickhouse.py), chDB in-process (chdb_analytics.py), or the
main database (db_analytics.py). Velocity windows: sliding-window counters; Redis in deployments
(redis_velocity.py), in memory for the embedded default and the backtest (memory_velocity.py).
adapters/__init__.py picks the adapters. Nothing here loads a model: the velocity adapters run in
processes without Django's apps.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from antifraud.facts import PaymentFacts
    from antifraud.labels import Labelled

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

    def count_labels(self, labels: Iterable[Labelled]) -> None:
        for labelled in labels:
            self.labels[labelled.label] = self.labels.get(labelled.label, 0) + 1

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
        features: list[dict[str, Any]] = (),
    ) -> None: ...

    def summary(self, query: SummaryQuery) -> Summary: ...

    def history(self, query: SummaryQuery) -> list[HistoricalPayment]:
        """The payments created in the period (of the merchant, if given), oldest first."""
        ...


# --- velocity windows ---------------------------------------------------------------------------
# A window holds members (a payment id, or a card fingerprint for distinct counts) scored by time.
# Recording the same member twice does not count it twice, so a redelivered event scores the same.
# An update with an empty member adds nothing: it reads the window's stats.


@dataclass(frozen=True, slots=True)
class WindowStats:
    count: int
    total: int  # sum of the amounts recorded with the members


@dataclass(frozen=True, slots=True)
class WindowUpdate:
    window: str
    member: str
    amount: int
    at: float  # epoch seconds
    window_seconds: int


class VelocityStore(Protocol):
    def record(self, *, window: str, member: str, amount: int, at: float, window_seconds: int) -> WindowStats:
        """Add `member` at time `at` (epoch seconds) and return the window's stats, atomically."""
        ...

    def record_many(self, updates: list[WindowUpdate]) -> list[WindowStats]:
        """Apply the updates in order (each atomically) and return each one's stats, in one round trip."""
        ...


class AuditArchive(Protocol):
    """Where the audit log's copy lives, off the main database (audit_archive.py)."""

    def write_audit(self, rows: list[dict[str, Any]]) -> None: ...

    def latest_audit_at(self) -> datetime | None: ...
