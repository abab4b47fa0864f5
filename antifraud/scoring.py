"""Scoring: run the rules in scope, add up their scores, and decide with the thresholds.

An allow-list hit approves and a block-list hit declines, whatever the score (block wins over allow).
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q

from .facts import PaymentFacts
from .lists import ListHit, list_hits
from .models import FraudRule, ListType, Outcome, RiskThresholds
from .rules import EVALUATORS, RuleContext

MAX_SCORE = 100


@dataclass(frozen=True, slots=True)
class FiredRule:
    rule: str
    type: str
    score: int
    observed: str

    def as_dict(self) -> dict[str, object]:
        return {"rule": self.rule, "type": self.type, "score": self.score, "observed": self.observed}


@dataclass(frozen=True, slots=True)
class Thresholds:
    review_at: int
    decline_at: int


@dataclass(frozen=True, slots=True)
class Assessment:
    score: int
    outcome: str
    fired: list[FiredRule] = field(default_factory=list)
    thresholds: Thresholds = Thresholds(0, 0)


def thresholds_for(merchant_id: str) -> Thresholds:
    """The merchant's override, else the global row, else the settings."""
    rows = {
        str(row.merchant_id): row
        for row in RiskThresholds.objects.filter(Q(merchant_id=merchant_id) | Q(merchant__isnull=True))
    }
    row = rows.get(merchant_id) or rows.get("None")
    if row:
        return Thresholds(review_at=row.review_at, decline_at=row.decline_at)
    return Thresholds(review_at=settings.FRAUD_REVIEW_AT, decline_at=settings.FRAUD_DECLINE_AT)


def rules_for(merchant_id: str) -> list[FraudRule]:
    return list(
        FraudRule.objects.filter(Q(merchant__isnull=True) | Q(merchant_id=merchant_id), enabled=True).order_by("name")
    )


def _list_rules(hits: list[ListHit]) -> list[FiredRule]:
    return [
        FiredRule(
            rule=f"{hit.list_type}_list",
            type=f"{hit.list_type}_list",
            score=MAX_SCORE if hit.list_type == ListType.BLOCK else 0,
            observed=f"{hit.kind.replace('_', ' ')} {hit.value} is on the {hit.list_type} list",
        )
        for hit in hits
    ]


def assess(facts: PaymentFacts, *, context: RuleContext) -> Assessment:
    thresholds = thresholds_for(facts.merchant_id)
    fired = []
    for rule in rules_for(facts.merchant_id):
        observed = EVALUATORS[rule.rule_type](rule.parameters, facts, context)
        if observed is not None:
            fired.append(FiredRule(rule=rule.name, type=rule.rule_type, score=rule.score, observed=observed))
    hits = list_hits(facts)
    fired += _list_rules(hits)
    score = min(MAX_SCORE, sum(rule.score for rule in fired))
    if any(hit.list_type == ListType.BLOCK for hit in hits):
        outcome = Outcome.DECLINE
    elif any(hit.list_type == ListType.ALLOW for hit in hits):
        outcome = Outcome.APPROVE
    elif score >= thresholds.decline_at:
        outcome = Outcome.DECLINE
    elif score >= thresholds.review_at:
        outcome = Outcome.REVIEW
    else:
        outcome = Outcome.APPROVE
    return Assessment(score=score, outcome=outcome, fired=fired, thresholds=thresholds)
