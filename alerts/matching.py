"""How a rule reads an event: dotted field paths, condition operators and text templates."""

import operator
import re
import string
from collections.abc import Callable
from typing import Any

MISSING = object()

OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq,
    "ne": operator.ne,
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
    "in": lambda value, options: value in options,
    "not_in": lambda value, options: value not in options,
    "contains": lambda value, item: item in value,
}

_FIELD = re.compile(r"\{([^{}]+)\}")


class InvalidCondition(ValueError):
    code = "invalid_alert_condition"


def lookup(event: dict[str, Any], path: str) -> Any:
    """`data.customer.country` → the value, or MISSING when any step is absent."""
    value: Any = event
    for part in path.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        else:
            return MISSING
    return value


def check_conditions(conditions: list[dict[str, Any]]) -> None:
    """Reject conditions the evaluator would not understand (used when rules are saved or loaded)."""
    if not isinstance(conditions, list):
        raise InvalidCondition("conditions must be a list")
    for condition in conditions:
        if not isinstance(condition, dict) or set(condition) != {"field", "op", "value"}:
            raise InvalidCondition(f"each condition needs exactly field, op and value: {condition!r}")
        if condition["op"] not in OPERATORS:
            raise InvalidCondition(f"unknown operator {condition['op']!r}; use one of {', '.join(OPERATORS)}")
        if condition["op"] in ("in", "not_in") and not isinstance(condition["value"], list):
            raise InvalidCondition(f"{condition['op']} needs a list value: {condition!r}")


def matches(event: dict[str, Any], conditions: list[dict[str, Any]]) -> bool:
    for condition in conditions:
        value = lookup(event, condition["field"])
        if value is MISSING:
            return False
        try:
            if not OPERATORS[condition["op"]](value, condition["value"]):
                return False
        except TypeError:  # e.g. comparing a string with a number: the rule does not apply
            return False
    return True


def render(template: str, event: dict[str, Any]) -> str:
    """Fill `{data.merchant_id}`-style placeholders; an absent field renders as `?`."""

    def replace(match: re.Match[str]) -> str:
        value = lookup(event, match.group(1).strip())
        return "?" if value is MISSING or value is None else str(value)

    return _FIELD.sub(replace, template)


def check_template(template: str) -> None:
    try:
        list(string.Formatter().parse(template))
    except ValueError as exc:
        raise InvalidCondition(f"bad template {template!r}: {exc}") from exc
