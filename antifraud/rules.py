"""Rule types: how each one's parameters look and how it is evaluated against a payment.

Each evaluator returns what it observed when the rule fires ("7 payments for this card in 60 s,
limit 3"), or None when it does not.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError

from transactions.models import Transaction
from transactions.money import format_minor

from .adapters.velocity import VelocityStore
from .bin_countries import bin_country
from .facts import PaymentFacts
from .models import RuleType

VELOCITY_KEYS = ("card", "email", "ip", "device", "merchant")


@dataclass(frozen=True, slots=True)
class RuleContext:
    velocity: VelocityStore


Evaluator = Callable[[dict[str, Any], PaymentFacts, RuleContext], str | None]


def _threshold(parameters: dict[str, Any], currency: str) -> int | None:
    thresholds = parameters["thresholds"]
    return thresholds.get(currency)


def _amount(minor: int, currency: str) -> str:
    return f"{format_minor(minor, currency)} {currency}"


def amount_above(parameters: dict[str, Any], facts: PaymentFacts, ctx: RuleContext) -> str | None:
    limit = _threshold(parameters, facts.currency)
    if limit is None or facts.amount_minor <= limit:
        return None
    return f"amount {_amount(facts.amount_minor, facts.currency)} above {_amount(limit, facts.currency)}"


def velocity(parameters: dict[str, Any], facts: PaymentFacts, ctx: RuleContext) -> str | None:
    key, window, limit = parameters["key"], parameters["window_seconds"], parameters["limit"]
    value = facts.velocity_key(key)
    if not value:
        return None
    measure = parameters.get("measure", "count")
    scope = (
        f"{measure}:{key}:{window}:{value}"
        if measure == "count"
        else f"{measure}:{key}:{window}:{facts.currency}:{value}"
    )
    stats = ctx.velocity.record(
        window=scope,
        member=facts.transaction_id,
        amount=facts.amount_minor,
        at=facts.created_at.timestamp(),
        window_seconds=window,
    )
    if measure == "count":
        if stats.count <= limit:
            return None
        return f"{stats.count} payments for this {key} in {window} s, limit {limit}"
    if stats.total <= limit:
        return None
    return (
        f"{_amount(stats.total, facts.currency)} for this {key} in {window} s, limit {_amount(limit, facts.currency)}"
    )


def bin_country_mismatch(parameters: dict[str, Any], facts: PaymentFacts, ctx: RuleContext) -> str | None:
    issuer = bin_country(facts.card_bin)
    if not issuer or not facts.country or issuer == facts.country:
        return None
    return f"card issued in {issuer}, customer in {facts.country}"


def card_testing(parameters: dict[str, Any], facts: PaymentFacts, ctx: RuleContext) -> str | None:
    key, window = parameters["key"], parameters["window_seconds"]
    value = facts.velocity_key(key)
    if not value:
        return None
    at = facts.created_at.timestamp()
    cards = ctx.velocity.record(
        window=f"cards:{key}:{window}:{value}", member=facts.card_fingerprint, amount=0, at=at, window_seconds=window
    )
    if cards.count > parameters["distinct_cards"]:
        return f"{cards.count} different cards from this {key} in {window} s, limit {parameters['distinct_cards']}"
    small_limit = parameters.get("small_amount_minor")
    if small_limit is not None and facts.amount_minor <= small_limit:
        small = ctx.velocity.record(
            window=f"small:{key}:{window}:{value}",
            member=facts.transaction_id,
            amount=facts.amount_minor,
            at=at,
            window_seconds=window,
        )
        if small.count > parameters["small_count"]:
            return f"{small.count} small payments from this {key} in {window} s, limit {parameters['small_count']}"
    return None


def first_seen_card_high_amount(parameters: dict[str, Any], facts: PaymentFacts, ctx: RuleContext) -> str | None:
    limit = _threshold(parameters, facts.currency)
    if limit is None or facts.amount_minor <= limit:
        return None
    seen_before = (
        Transaction.objects.filter(card_fingerprint=facts.card_fingerprint, created_at__lt=facts.created_at)
        .exclude(pk=facts.transaction_id)
        .exists()
    )
    if seen_before:
        return None
    amount, limit_text = _amount(facts.amount_minor, facts.currency), _amount(limit, facts.currency)
    return f"first payment with this card, {amount} above {limit_text}"


EVALUATORS: dict[str, Evaluator] = {
    RuleType.AMOUNT_ABOVE: amount_above,
    RuleType.VELOCITY: velocity,
    RuleType.BIN_COUNTRY_MISMATCH: bin_country_mismatch,
    RuleType.CARD_TESTING: card_testing,
    RuleType.FIRST_SEEN_CARD_HIGH_AMOUNT: first_seen_card_high_amount,
}


def _require(parameters: dict[str, Any], name: str, kind: type, *, positive: bool = True) -> None:
    value = parameters.get(name)
    if not isinstance(value, kind) or isinstance(value, bool) or (positive and kind is int and value <= 0):
        raise ValidationError({"parameters": f"{name} must be a {'positive ' if positive else ''}{kind.__name__}"})


def _require_thresholds(parameters: dict[str, Any]) -> None:
    thresholds = parameters.get("thresholds")
    if not isinstance(thresholds, dict) or not thresholds:
        raise ValidationError({"parameters": "thresholds must map currency codes to amounts in minor units"})
    for currency, amount in thresholds.items():
        if len(currency) != 3 or not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
            raise ValidationError({"parameters": f"threshold for {currency!r} must be a positive integer"})


def validate_parameters(rule_type: str, parameters: Any) -> None:
    """Raise ValidationError when the parameters do not fit the rule type."""
    if not isinstance(parameters, dict):
        raise ValidationError({"parameters": "parameters must be an object"})
    if rule_type in {RuleType.AMOUNT_ABOVE, RuleType.FIRST_SEEN_CARD_HIGH_AMOUNT}:
        _require_thresholds(parameters)
    elif rule_type in {RuleType.VELOCITY, RuleType.CARD_TESTING}:
        if parameters.get("key") not in VELOCITY_KEYS:
            raise ValidationError({"parameters": f"key must be one of {', '.join(VELOCITY_KEYS)}"})
        _require(parameters, "window_seconds", int)
        if rule_type == RuleType.VELOCITY:
            _require(parameters, "limit", int)
            if parameters.get("measure", "count") not in {"count", "sum"}:
                raise ValidationError({"parameters": "measure must be count or sum"})
        else:
            _require(parameters, "distinct_cards", int)
            if "small_amount_minor" in parameters:
                _require(parameters, "small_amount_minor", int)
                _require(parameters, "small_count", int)
    elif rule_type != RuleType.BIN_COUNTRY_MISMATCH:
        raise ValidationError({"rule_type": f"unknown rule type {rule_type!r}"})
