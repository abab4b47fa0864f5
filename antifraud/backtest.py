"""Backtest: replay stored payments in time order through a rule set document and compare its outcomes
with what our rules decided and with what we learnt since (labels).

History comes from the analytics store (ClickHouse in deployments, the embedded store under `make run`).
Velocity windows are rebuilt as they were: payments are replayed into a fresh in-memory store from
before the period by the longest window of the rule set (capped at a week), and those earlier payments
count only as the windows' warm-up. Block and allow lists are today's.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from transactions.money import format_minor

from .adapters import get_analytics
from .adapters.memory_velocity import MemoryVelocityStore
from .adapters.ports import AnalyticsStore, HistoricalPayment, SummaryQuery
from .learning.scorer import ScoringModels
from .models import Outcome
from .rule_documents import Document
from .scoring import Assessment, assess_many, document_rule_sets

OUTCOMES = (Outcome.APPROVE, Outcome.REVIEW, Outcome.DECLINE)
UNLABELLED = "unlabelled"
ROWS = ("fraud", "legit", UNLABELLED)
MAX_WARMUP = timedelta(days=7)
BATCH = 500


@dataclass(frozen=True, slots=True)
class ChangedOutcome:
    transaction_id: str
    created_at: datetime
    amount: str
    label: str
    before: str
    after: str
    score: int
    rules: tuple[str, ...]


def _matrix() -> dict[str, dict[str, int]]:
    return {row: dict.fromkeys(OUTCOMES, 0) for row in ROWS}


@dataclass(frozen=True, slots=True)
class Rates:
    recall: float | None  # labelled fraud sent to review or declined
    false_declines: float | None  # labelled legitimate payments declined
    false_reviews: float | None  # labelled legitimate payments sent to review


def rates(matrix: dict[str, dict[str, int]]) -> Rates:
    fraud, legit = matrix["fraud"], matrix["legit"]
    fraud_total, legit_total = sum(fraud.values()), sum(legit.values())

    def share(count: int, total: int) -> float | None:
        return round(count / total, 4) if total else None

    return Rates(
        recall=share(fraud[Outcome.REVIEW] + fraud[Outcome.DECLINE], fraud_total),
        false_declines=share(legit[Outcome.DECLINE], legit_total),
        false_reviews=share(legit[Outcome.REVIEW], legit_total),
    )


@dataclass
class BacktestResult:
    start: datetime
    end: datetime
    draft: dict[str, dict[str, int]] = field(default_factory=_matrix)  # {label: {outcome: payments}}
    recorded: dict[str, dict[str, int]] = field(default_factory=_matrix)  # what our rules decided then
    changed: list[ChangedOutcome] = field(default_factory=list)  # the first `show` of them
    changed_count: int = 0
    warmup_payments: int = 0
    unscored: int = 0  # stored payments our rules never decided: replayed for the windows, not compared

    @property
    def payments(self) -> int:
        return sum(sum(row.values()) for row in self.draft.values())

    @property
    def draft_rates(self) -> Rates:
        return rates(self.draft)

    @property
    def recorded_rates(self) -> Rates:
        return rates(self.recorded)


def _warmup(document: Document) -> timedelta:
    windows = [item.get("parameters", {}).get("window_seconds", 0) for item in document["rules"]]
    longest = max(windows, default=0)
    return min(timedelta(seconds=longest), MAX_WARMUP)


def _batches(history: list[HistoricalPayment]) -> Iterator[list[HistoricalPayment]]:
    for offset in range(0, len(history), BATCH):
        yield history[offset : offset + BATCH]


def backtest(
    document: Document,
    *,
    start: datetime,
    end: datetime,
    merchant_id: str | None = None,
    store: AnalyticsStore | None = None,
    show: int = 100,
) -> BacktestResult:
    """Replay the period's payments through the (clean) document; nothing is written anywhere."""
    store = store or get_analytics()
    period = SummaryQuery(merchant_id=merchant_id, start=start - _warmup(document), end=end, bucket="day")
    history = store.history(period)
    rule_sets, velocity = document_rule_sets(document), MemoryVelocityStore()
    result = BacktestResult(start=start, end=end)
    for batch in _batches(history):
        # The document's rules on their own: a draft rule set is judged by its points, not by a model.
        assessments = assess_many(
            [payment.facts for payment in batch], velocity=velocity, rule_sets=rule_sets, models=ScoringModels()
        )
        for payment, assessment in zip(batch, assessments, strict=True):
            if payment.facts.created_at < start:
                result.warmup_payments += 1
            else:
                _count(result, payment, assessment, show=show)
    return result


def _count(result: BacktestResult, payment: HistoricalPayment, assessment: Assessment, *, show: int) -> None:
    if not payment.outcome:  # still pending: it counts in the windows, not in the comparison
        result.unscored += 1
        return
    row = payment.label.label if payment.label else UNLABELLED
    result.draft[row][assessment.outcome] += 1
    result.recorded[row][payment.outcome] += 1
    if payment.outcome == assessment.outcome:
        return
    result.changed_count += 1
    if len(result.changed) < show:
        facts = payment.facts
        result.changed.append(
            ChangedOutcome(
                transaction_id=facts.transaction_id,
                created_at=facts.created_at,
                amount=f"{format_minor(facts.amount_minor, facts.currency)} {facts.currency}",
                label=row,
                before=payment.outcome,
                after=assessment.outcome,
                score=assessment.score,
                rules=tuple(rule.rule for rule in assessment.fired),
            )
        )
