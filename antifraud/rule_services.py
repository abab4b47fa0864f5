"""Changing rules: every create, update and delete leaves a RuleChange row (who, when, before, after)."""

from typing import Any

from django.db import transaction
from django.forms.models import model_to_dict

from .models import FraudRule, RuleChange

_FIELDS = ("name", "rule_type", "parameters", "score", "enabled", "merchant", "description")


def rule_snapshot(rule: FraudRule) -> dict[str, Any]:
    data = model_to_dict(rule, fields=_FIELDS)
    data["merchant"] = str(data["merchant"]) if data["merchant"] else None
    return data


def save_rule(*, rule: FraudRule, actor: str) -> FraudRule:
    """Validate and save a rule, recording the change."""
    rule.full_clean()
    with transaction.atomic():
        before = None
        if rule.pk:
            previous = FraudRule.objects.select_for_update().filter(pk=rule.pk).first()
            before = rule_snapshot(previous) if previous else None
        rule.save()
        after = rule_snapshot(rule)
        if before != after:
            RuleChange.objects.create(
                rule=rule,
                rule_name=rule.name,
                action="updated" if before else "created",
                changed_by=actor,
                before=before,
                after=after,
            )
    return rule


def delete_rule(*, rule: FraudRule, actor: str) -> None:
    with transaction.atomic():
        RuleChange.objects.create(
            rule=rule, rule_name=rule.name, action="deleted", changed_by=actor, before=rule_snapshot(rule), after=None
        )
        rule.delete()
