"""How well a score ranks and decides on labelled payments: the Fraud Detection Handbook's measures
(AUC ROC, average precision, card precision@100 per day) and the rates at the thresholds."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime

from ..backtest import rates
from ..models import Outcome

# How the measures read in the command's table and on the model's page: (title, key, format).
ROWS = (
    ("AUC ROC", "auc_roc", "{:.3f}"),
    ("average precision", "average_precision", "{:.3f}"),
    ("card precision@100 per day", "card_precision_at_100", "{:.3f}"),
    ("fraud flagged (recall)", "recall", "{:.1%}"),
    ("legitimate declined", "false_declines", "{:.2%}"),
    ("legitimate sent to review", "false_reviews", "{:.2%}"),
)


@dataclass(frozen=True, slots=True)
class Scored:
    card: str
    day: str
    score: float
    fraud: bool
    outcome: str


def outcome_at(score: int, *, review_at: int, decline_at: int) -> str:
    if score >= decline_at:
        return Outcome.DECLINE
    return Outcome.REVIEW if score >= review_at else Outcome.APPROVE


def card_precision_at_k(scored: Sequence[Scored], k: int = 100) -> float | None:
    """The Fraud Detection Handbook's card precision top-k: each day, the k cards with the highest score
    (a card's highest that day), the share of them that are compromised (one of their payments that day
    is fraud); averaged over days. A card found compromised is left out of the following days, as the
    handbook does: an investigator does not look at it twice."""
    by_day: dict[str, dict[str, tuple[float, bool]]] = defaultdict(dict)
    for row in scored:
        best, fraud = by_day[row.day].get(row.card, (float("-inf"), False))
        by_day[row.day][row.card] = (max(best, row.score), fraud or row.fraud)
    found: set[str] = set()
    precisions = []
    for day in sorted(by_day):
        candidates = [(score, fraud, card) for card, (score, fraud) in by_day[day].items() if card not in found]
        top = sorted(candidates, key=lambda value: -value[0])[:k]
        precisions.append(sum(fraud for _, fraud, _ in top) / k)
        found |= {card for _, fraud, card in top if fraud}
    return round(sum(precisions) / len(precisions), 4) if precisions else None


def day_of(moment: datetime) -> str:
    return moment.date().isoformat()


def measure(scored: Sequence[Scored]) -> dict[str, float | int | None]:
    from sklearn.metrics import average_precision_score, roc_auc_score  # only where models are measured

    labels = [row.fraud for row in scored]
    scores = [row.score for row in scored]
    both = 0 < sum(labels) < len(labels)
    matrix = {row: dict.fromkeys(Outcome.values, 0) for row in ("fraud", "legit", "unlabelled")}
    for row in scored:
        matrix["fraud" if row.fraud else "legit"][row.outcome] += 1
    return {
        "payments": len(scored),
        "frauds": sum(labels),
        "auc_roc": round(float(roc_auc_score(labels, scores)), 4) if both else None,
        "average_precision": round(float(average_precision_score(labels, scores)), 4) if both else None,
        "card_precision_at_100": card_precision_at_k(scored),
        **asdict(rates(matrix)),
    }
