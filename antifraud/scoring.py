"""Scoring: run the rules in scope, add up their scores, and decide with the thresholds.

An allow-list hit approves and a block-list hit declines, whatever the score (block wins over allow).
Then a rule whose action is to always decline, or always review, acts whatever the score; the other
rules' points decide with the thresholds (with a live model, its risk score does, and the rules' hits
are among its inputs).
Shadow rules run like the others and are recorded beside them, but add nothing to the score. Every
assessment names the rule set version it ran under.
A batch of payments is scored with one round trip to the velocity store and one list query; each
merchant's rules are loaded once per rules version (any rule or threshold change bumps it).
"""

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from django.conf import settings
from django.db.models import Q

from payproc.cache_versions import VersionedMemo, current_version

from .adapters.ports import VelocityStore, WindowUpdate
from .facts import PaymentFacts
from .features import Vector, feature_vector, feature_windows, window_names
from .learning.explanations import Factor, action_factor, model_factors, rule_factors
from .learning.scorer import ScoringModels, scoring_models
from .merchant_profiles import merchant_profile
from .models import FraudRule, ListType, Outcome, RiskThresholds
from .rule_documents import Document, rule_item
from .rule_parameters import RuleAction, RuleMode
from .rules import EVALUATORS, WINDOWS, Evaluator, RuleContext, Windows
from .services.lists import ListHit, list_hits_many
from .services.rule_sets import current_rules_version

MAX_SCORE = 100


@dataclass(frozen=True, slots=True)
class FiredRule:
    rule: str
    type: str
    score: int
    observed: str
    action: str = RuleAction.SCORE

    def as_dict(self) -> dict[str, object]:
        found: dict[str, object] = {
            "rule": self.rule,
            "type": self.type,
            "score": self.score,
            "observed": self.observed,
        }
        if self.action != RuleAction.SCORE:
            found["action"] = self.action
        return found


@dataclass(frozen=True, slots=True)
class Thresholds:
    review_at: int
    decline_at: int

    @classmethod
    def from_settings(cls) -> "Thresholds":
        """Where neither the merchant nor the rule set has thresholds of its own."""
        return cls(review_at=settings.FRAUD_REVIEW_AT, decline_at=settings.FRAUD_DECLINE_AT)


@dataclass(frozen=True, slots=True)
class Assessment:
    score: int
    outcome: str
    fired: list[FiredRule] = field(default_factory=list)
    thresholds: Thresholds = Thresholds(0, 0)
    shadow: list[FiredRule] = field(default_factory=list)
    rules_version: int | None = None
    features: Vector = field(default_factory=dict)
    model_version: int | None = None  # the live model whose risk score decided; None: the rules' points
    shadow_model_version: int | None = None
    shadow_score: int | None = None
    explanation: list[Factor] = field(default_factory=list)
    acting: FiredRule | None = None  # the rule whose action decided, where the score alone would not have


def thresholds_for(merchant_id: str) -> Thresholds:
    """The merchant's override, else the global row, else the settings."""
    rows = {
        str(row.merchant_id): row
        for row in RiskThresholds.objects.filter(Q(merchant_id=merchant_id) | Q(merchant__isnull=True))
    }
    row = rows.get(merchant_id) or rows.get("None")
    if row:
        return Thresholds(review_at=row.review_at, decline_at=row.decline_at)
    return Thresholds.from_settings()


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


@dataclass(frozen=True, slots=True)
class CompiledRule:
    name: str
    type: str
    score: int
    parameters: dict[str, Any]
    evaluate: Evaluator
    windows: Windows | None
    shadow: bool = False
    action: str = RuleAction.SCORE


@dataclass(frozen=True, slots=True)
class RuleSet:
    rules: tuple[CompiledRule, ...]
    thresholds: Thresholds
    version: int | None = None


_rule_sets: VersionedMemo[str, RuleSet] = VersionedMemo("fraud-rules")


def rule_set(merchant_id: str, *, version: str | None = None) -> RuleSet:
    """The merchant's enabled rules and thresholds, from memory while the rules version holds (`version`:
    the token, when the caller has just read it)."""
    if version is None:
        return _rule_sets.get(merchant_id, lambda: _compile(merchant_id))
    return _rule_sets.get(merchant_id, lambda: _compile(merchant_id), version=version)


def _compiled(item: dict[str, Any]) -> CompiledRule:
    """A rule of the document format (see rule_documents) ready to evaluate."""
    return CompiledRule(
        name=item["name"],
        type=item["type"],
        score=item["score"],
        parameters=item.get("parameters", {}),
        evaluate=EVALUATORS[item["type"]],
        windows=WINDOWS.get(item["type"]),
        shadow=item.get("mode") == RuleMode.SHADOW,
        action=item.get("action", RuleAction.SCORE),
    )


def _compile(merchant_id: str) -> RuleSet:
    # Rules and their version number are read by separate statements: read the number on both sides
    # and again when a change committed in between, so a decision never names a version it did not use.
    for _ in range(3):
        version = current_rules_version()
        rules = tuple(_compiled(rule_item(rule)) for rule in rules_for(merchant_id))
        thresholds = thresholds_for(merchant_id)
        if current_rules_version() == version:
            break
    return RuleSet(rules=rules, thresholds=thresholds, version=version)


def document_rule_sets(document: Document, *, version: int | None = None) -> Callable[[str], RuleSet]:
    """Rule sets per merchant from a rule set document (a draft, a proposal, an older version)."""
    compiled: dict[str, RuleSet] = {}
    by_merchant = {row["merchant"]: row for row in document.get("merchant_thresholds", [])}

    def for_merchant(merchant_id: str) -> RuleSet:
        if merchant_id not in compiled:
            rules = tuple(
                _compiled(item)
                for item in document["rules"]
                if item.get("enabled", True) and item.get("merchant") in (None, merchant_id)
            )
            row = by_merchant.get(merchant_id) or document.get("thresholds")
            thresholds = (
                Thresholds(review_at=row["review_at"], decline_at=row["decline_at"])
                if row
                else Thresholds.from_settings()
            )
            compiled[merchant_id] = RuleSet(rules=rules, thresholds=thresholds, version=version)
        return compiled[merchant_id]

    return for_merchant


def forget_rule_sets() -> None:
    """Every process reloads rules and thresholds on its next payment (called when they change)."""
    _rule_sets.forget()


def assess(facts: PaymentFacts, *, velocity: VelocityStore) -> Assessment:
    return assess_many([facts], velocity=velocity)[0]


def assess_many(
    payments: list[PaymentFacts],
    *,
    velocity: VelocityStore,
    rule_sets: Callable[[str], RuleSet] = rule_set,
    models: ScoringModels | None = None,
) -> list[Assessment]:
    """Score payments in order: a later payment of the batch sees the earlier ones in its windows.
    `rule_sets` gives each merchant's rules: the live ones, or a document's (the backtest); `models` the
    live and shadow models (default: this deployment's)."""
    merchants = {facts.merchant_id for facts in payments}
    token = current_version(_rule_sets.name) if rule_sets is rule_set or models is None else None
    if rule_sets is rule_set:
        by_merchant = {merchant_id: rule_set(merchant_id, version=token) for merchant_id in merchants}
    else:
        by_merchant = {merchant_id: rule_sets(merchant_id) for merchant_id in merchants}
    profiles = {merchant_id: merchant_profile(merchant_id) for merchant_id in merchants}
    sets = [by_merchant[facts.merchant_id] for facts in payments]
    names = [window_names(facts) for facts in payments]
    updates = [
        _window_updates(facts, rules, own_names) for facts, rules, own_names in zip(payments, sets, names, strict=True)
    ]
    stats = iter(velocity.record_many([update for per_payment in updates for update in per_payment]))
    hits = list_hits_many(payments)
    evaluated = []
    for facts, rules, own_updates, own_names in zip(payments, sets, updates, names, strict=True):
        context = RuleContext(windows={update.window: next(stats) for update in own_updates})
        fired, shadow = [], []
        for rule in rules.rules:
            observed = rule.evaluate(rule.parameters, facts, context)
            if observed is not None:
                hit = FiredRule(rule.name, rule.type, rule.score, observed, rule.action)
                (shadow if rule.shadow else fired).append(hit)
        vector = feature_vector(
            facts,
            context.windows,
            names=own_names,
            profile=profiles[facts.merchant_id],
            rules_fired=[rule.rule for rule in fired + shadow],
        )
        evaluated.append((fired, shadow, vector))
    models = scoring_models(version=token) if models is None else models
    vectors = [vector for _, _, vector in evaluated]
    live_scores = _model_scores(models.live, vectors)
    shadow_scores = _model_scores(models.shadow, vectors)
    assessments = [
        replace(
            _decide(fired + _list_rules(own_hits), own_hits, rules, shadow, live_score=live_scores[index]),
            features=vector,
            model_version=models.live.version if models.live else None,
            shadow_model_version=models.shadow.version if models.shadow else None,
            shadow_score=shadow_scores[index],
        )
        for index, (rules, own_hits, (fired, shadow, vector)) in enumerate(zip(sets, hits, evaluated, strict=True))
    ]
    return _explained(assessments, payments, models.live)


def _explained(assessments: list[Assessment], payments: list[PaymentFacts], live: Any) -> list[Assessment]:
    """Each assessment with its top factors. A model's TreeSHAP contributions cost ~200 us a payment (70 x
    its prediction): at decision time only the payments it flags are explained; an approval's factors
    are computed when someone opens it, from its stored features and model version (`explain_decision`)."""
    flagged = [index for index, found in enumerate(assessments) if found.outcome != Outcome.APPROVE]
    contributions = (
        dict(zip(flagged, live.contributions(live.matrix([assessments[i].features for i in flagged])), strict=True))
        if live is not None and flagged
        else {}
    )
    explained = []
    for index, (assessment, facts) in enumerate(zip(assessments, payments, strict=True)):
        if (acting := assessment.acting) is not None:
            factors = [action_factor(acting.rule, acting.action, acting.observed)]
        elif live is None:
            factors = rule_factors([(rule.rule, rule.score, rule.observed) for rule in assessment.fired])
        elif index in contributions:
            observed = {rule.rule: rule.observed for rule in assessment.fired + assessment.shadow}
            factors = model_factors(contributions[index], live.features, assessment.features, facts, observed)
        else:
            factors = []
        explained.append(replace(assessment, explanation=factors))
    return explained


def _model_scores(model: Any, vectors: list[Vector]) -> list[int | None]:
    if model is None or not vectors:
        return [None] * len(vectors)
    return model.risk_scores(model.matrix(vectors))


def _window_updates(facts: PaymentFacts, rules: RuleSet, names: list[str | None]) -> list[WindowUpdate]:
    """The windows the payment's rules and features update, each once (a feature shares a rule's window
    when both count the same thing over the same span)."""
    unique: dict[str, WindowUpdate] = {}
    for rule in rules.rules:
        if rule.windows:
            for update in rule.windows(rule.parameters, facts):
                unique.setdefault(update.window, update)
    for update in feature_windows(facts, names):
        unique.setdefault(update.window, update)
    return list(unique.values())


def _decide(
    fired: list[FiredRule],
    hits: list[ListHit],
    rules: RuleSet,
    shadow: list[FiredRule],
    *,
    live_score: int | None = None,
) -> Assessment:
    """Lists decide first (block wins over allow); then rules that always decline or always review; then
    the thresholds, on the live model's risk score when a model is live, else on the rules' points."""
    thresholds = rules.thresholds
    score = min(MAX_SCORE, sum(rule.score for rule in fired)) if live_score is None else live_score
    declining = next((rule for rule in fired if rule.action == RuleAction.DECLINE), None)
    reviewing = next((rule for rule in fired if rule.action == RuleAction.REVIEW), None)
    acting = None
    if any(hit.list_type == ListType.BLOCK for hit in hits):
        outcome = Outcome.DECLINE
    elif any(hit.list_type == ListType.ALLOW for hit in hits):
        outcome = Outcome.APPROVE
    elif score >= thresholds.decline_at:
        outcome = Outcome.DECLINE
    elif declining:
        outcome, acting = Outcome.DECLINE, declining
    elif score >= thresholds.review_at:
        outcome = Outcome.REVIEW
    elif reviewing:
        outcome, acting = Outcome.REVIEW, reviewing
    else:
        outcome = Outcome.APPROVE
    return Assessment(
        score=score,
        outcome=outcome,
        fired=fired,
        thresholds=thresholds,
        shadow=shadow,
        rules_version=rules.version,
        acting=acting,
    )
