"""Rule types, modes and actions, and what each type's parameters must look like (checked on every save)."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models


class RuleType(models.TextChoices):
    AMOUNT_ABOVE = "amount_above", "Amount above a threshold"
    VELOCITY = "velocity", "Velocity (count or sum in a sliding window)"
    BIN_COUNTRY_MISMATCH = "bin_country_mismatch", "BIN country differs from the customer's country"
    CARD_TESTING = "card_testing", "Card testing (many cards or small amounts from one IP/device)"
    FIRST_SEEN_CARD_HIGH_AMOUNT = "first_seen_card_high_amount", "First-seen card with a high amount"
    LINKED_ENTITIES = "linked_entities", "Linked entities (e.g. e-mails per card, cards per e-mail, in a window)"
    AMOUNT_SPIKE = "amount_spike", "Amount spike (many times the card's or e-mail's own average in a window)"
    IP_COUNTRY_MISMATCH = "ip_country_mismatch", "IP address country differs from the billing or the card's country"
    FIRST_SEEN = "first_seen", "First seen (no earlier payment with this card, e-mail, IP or device in a window)"


class RuleMode(models.TextChoices):
    LIVE = "live", "Live: counts in the score"
    SHADOW = "shadow", "Shadow: recorded on the decision, not counted"


class RuleAction(models.TextChoices):
    SCORE = "score", "Score: adds its points (with a live model, an input to the model)"
    REVIEW = "review", "Always review: the payment goes at least to review, whatever the score"
    DECLINE = "decline", "Always decline, whatever the score"


VELOCITY_KEYS = ("card", "email", "ip", "device", "merchant")
# What a payment links together: a card with the e-mail, address, device and country it was used from.
LINKABLE = ("card", "email", "ip", "device", "country")


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
    elif rule_type == RuleType.LINKED_ENTITIES:
        key, of = parameters.get("key"), parameters.get("of")
        if key not in LINKABLE or of not in LINKABLE or key == of:
            raise ValidationError({"parameters": f"key and of must be two different ones of {', '.join(LINKABLE)}"})
        _require(parameters, "window_seconds", int)
        _require(parameters, "limit", int)
    elif rule_type in {RuleType.FIRST_SEEN, RuleType.AMOUNT_SPIKE}:
        # Not per merchant: a merchant's window would hold every one of its payments.
        if parameters.get("key") not in {"card", "email", "ip", "device"}:
            raise ValidationError({"parameters": "key must be one of card, email, ip, device"})
        _require(parameters, "window_seconds", int)
        if rule_type == RuleType.AMOUNT_SPIKE:
            _require(parameters, "factor", int)
            _require(parameters, "min_payments", int)
        elif "thresholds" in parameters:
            _require_thresholds(parameters)
    elif rule_type == RuleType.IP_COUNTRY_MISMATCH:
        if parameters.get("against") not in {"billing", "card"}:
            raise ValidationError({"parameters": "against must be billing or card"})
    elif rule_type != RuleType.BIN_COUNTRY_MISMATCH:
        raise ValidationError({"rule_type": f"unknown rule type {rule_type!r}"})
