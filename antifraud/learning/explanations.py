"""A score's top factors in the words an investigator uses ("first payment from this e-mail", "card
issued in DE, billing address in US"), each with its share of what pushed the score up.

With a live model the shares come from LightGBM's own TreeSHAP contributions; without one, from the
points of the rules that fired.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from transactions.money import format_minor

from ..card_bins import bin_country
from ..facts import PaymentFacts
from ..features import RULE_PREFIX, Vector

if TYPE_CHECKING:
    import numpy as np

TOP = 3
MIN_SHARE = 0.05


@dataclass(frozen=True, slots=True)
class Factor:
    factor: str
    text: str
    share: float

    def as_dict(self) -> dict[str, object]:
        return {"factor": self.factor, "text": self.text, "share": self.share}


def _times(count: float) -> str:
    return "once" if count == 1 else f"{count:g} times"


def _count(what: str, span: str) -> Callable[[float, PaymentFacts], str]:
    return lambda value, facts: f"{value:g} {what} {span}"


def _first(what: str) -> Callable[[float, PaymentFacts], str]:
    return lambda value, facts: f"first payment {what}" if value <= 1 else f"{value:g} payments {what} in 90 days"


def _labels(what: str) -> Callable[[float, PaymentFacts], str]:
    return lambda value, facts: (
        f"{what} was reported as fraud {_times(value)} before" if value else f"no fraud reported before for {what}"
    )


def _countries(value: float, facts: PaymentFacts) -> str:
    issuer = bin_country(facts.card_bin) or "an unknown country"
    if not value:
        return f"card issued in {issuer}, the billing country"
    return f"card issued in {issuer}, billing address in {facts.country}"


PHRASES: dict[str, Callable[[float, PaymentFacts], str]] = {
    "amount": lambda value, facts: f"amount {format_minor(facts.amount_minor, facts.currency)} {facts.currency}",
    "currency": lambda value, facts: f"paid in {facts.currency}",
    "card_payments_1m": _count("payments with this card", "in the last minute"),
    "card_payments_24h": _count("payments with this card", "in 24 h"),
    "card_amount_1h": lambda value, facts: f"{value:,.2f} {facts.currency} on this card in the last hour",
    "email_payments_1h": _count("payments from this e-mail", "in the last hour"),
    "ip_payments_10m": _count("payments from this IP address", "in 10 minutes"),
    "device_payments_24h": _count("payments from this device", "in 24 h"),
    "emails_per_card_1h": _count("e-mail addresses used with this card", "in an hour"),
    "countries_per_card_1h": _count("countries used with this card", "in an hour"),
    "devices_per_card_1h": _count("devices used with this card", "in an hour"),
    "ips_per_card_1h": _count("IP addresses used with this card", "in an hour"),
    "cards_per_email_24h": _count("cards used by this e-mail", "in 24 h"),
    "cards_per_ip_10m": _count("cards used from this IP address", "in 10 minutes"),
    "cards_per_device_1h": _count("cards used from this device", "in an hour"),
    "card_payments_90d": _first("with this card"),
    "email_payments_90d": _first("from this e-mail"),
    "device_payments_90d": _first("from this device"),
    "card_payments_30d": _count("payments with this card", "in 30 days"),
    "amount_to_card_average_30d": lambda value, facts: f"amount {value:.1f}x this card's average over 30 days",
    "card_foreign": _countries,
    "ip_not_billing": lambda value, facts: (
        f"IP address in {facts.ip_country}, billing address in {facts.country}"
        if value
        else f"IP address in the billing country {facts.country}"
    ),
    "ip_not_card": lambda value, facts: (
        f"IP address in {facts.ip_country}, card issued in {bin_country(facts.card_bin)}"
        if value
        else "IP address in the card's country"
    ),
    "merchant_foreign_card_share": lambda value, facts: f"{value:.0%} of this merchant's payments are on foreign cards",
    "amount_to_merchant_typical": lambda value, facts: f"amount {value:.1f}x this merchant's typical amount",
    "card_fraud_labels": _labels("this card"),
    "email_fraud_labels": _labels("this e-mail"),
    "device_fraud_labels": _labels("this device"),
    "ip_fraud_labels": _labels("this IP address"),
    "merchant_fraud_labels_28d": lambda value, facts: f"{value:g} fraud labels on this merchant in 4 weeks",
    "merchant_fraud_labels_7d": lambda value, facts: f"{value:g} fraud labels on this merchant in a week",
}


def describe(feature: str, vector: Vector, facts: PaymentFacts, observed: dict[str, str]) -> str:
    """The factor in words; a rule's hit is what the rule observed."""
    if feature.startswith(RULE_PREFIX):
        rule = feature.removeprefix(RULE_PREFIX)
        return observed.get(rule) or f"rule {rule} did not fire"
    value = vector.get(feature)
    if value is None:
        return f"no {feature.replace('_', ' ')} known"
    return PHRASES[feature](value, facts)


def model_factors(
    contributions: np.ndarray,
    columns: Sequence[str],
    vector: Vector,
    facts: PaymentFacts,
    observed: dict[str, str],
) -> list[Factor]:
    """The features that pushed the score up most, with their share of all that pushed it up."""
    pushes = [(float(value), name) for name, value in zip(columns, contributions[:-1], strict=True) if value > 0]
    total = sum(value for value, _ in pushes)
    if total <= 0:
        return []
    top = sorted(pushes, reverse=True)
    return [
        Factor(name, describe(name, vector, facts, observed), round(value / total, 3))
        for value, name in top[:TOP]
        if value / total >= MIN_SHARE
    ]


def rule_factors(fired: Sequence[tuple[str, int, str]]) -> list[Factor]:
    """Without a model: the rules that fired (name, points, observed), by their share of the points."""
    total = sum(points for _, points, _ in fired)
    ordered = sorted(fired, key=lambda rule: -rule[1])
    return [
        Factor(f"{RULE_PREFIX}{name}", observed, round(points / total, 3) if total else 0.0)
        for name, points, observed in ordered[:TOP]
    ]


def action_factor(rule: str, action: str, observed: str) -> Factor:
    """A rule that always reviews or declines decided, whatever the score: it is the whole reason."""
    return Factor(f"{RULE_PREFIX}{rule}", f"{observed} (rule {rule} always {action}s)", 1.0)


def explain_decision(decision: Any) -> list[dict[str, object]]:
    """The decision's top factors: as stored, or, for a payment the live model approved (not explained
    at decision time), from its stored features and the model version that scored it."""
    if decision.explanation or not decision.model_version:
        return decision.explanation
    from ..facts import PaymentFacts
    from .scorer import loaded_version

    model = loaded_version(decision.model_version)
    if model is None:
        return []
    contributions = model.contributions(model.matrix([decision.features]))[0]
    observed = {rule["rule"]: rule["observed"] for rule in decision.fired_rules + decision.shadow_rules}
    facts = PaymentFacts.of(decision.transaction)
    return [
        factor.as_dict() for factor in model_factors(contributions, model.features, decision.features, facts, observed)
    ]
