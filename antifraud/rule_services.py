"""Changing rules and thresholds: every create, update and delete leaves an audit entry (who, when,
before, after) in its transaction; a rule's changes are also kept as RuleChange rows, shown on the rule."""

from typing import Any

from django.db import transaction
from django.forms.models import model_to_dict

from audit.services import delete_audited, record, save_audited

from .models import FraudRule, RiskThresholds, RuleChange

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
            action = "fraudrule.change" if before else "fraudrule.add"
            record(actor=actor, action=action, target=rule, before=before, after=after)
    return rule


def delete_rule(*, rule: FraudRule, actor: str) -> None:
    with transaction.atomic():
        RuleChange.objects.create(
            rule=rule, rule_name=rule.name, action="deleted", changed_by=actor, before=rule_snapshot(rule), after=None
        )
        record(actor=actor, action="fraudrule.delete", target=rule, before=rule_snapshot(rule))
        rule.delete()


def save_thresholds(*, thresholds: RiskThresholds, actor: str) -> RiskThresholds:
    """Validate and save review/decline thresholds (global or a merchant's), audited."""
    thresholds.full_clean()
    save_audited(thresholds, actor=actor)
    return thresholds


def delete_thresholds(*, thresholds: RiskThresholds, actor: str) -> None:
    delete_audited(thresholds, actor=actor)
