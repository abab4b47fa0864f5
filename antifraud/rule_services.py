"""Changing rules and thresholds: every create, update and delete leaves an audit entry (who, when,
before, after) in its transaction; a rule's changes are also kept as RuleChange rows, shown on the rule."""

from typing import Any

from django.db import transaction

from audit.services import delete_audited, record, save_audited, snapshot

from .models import FraudRule, RiskThresholds, RuleChange

_FIELDS = ("name", "rule_type", "parameters", "score", "enabled", "merchant", "description")


def rule_snapshot(rule: FraudRule) -> dict[str, Any]:
    return snapshot(rule, fields=_FIELDS)


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
        before = rule_snapshot(rule)
        RuleChange.objects.create(
            rule=rule, rule_name=rule.name, action="deleted", changed_by=actor, before=before, after=None
        )
        record(actor=actor, action="fraudrule.delete", target=rule, before=before)
        rule.delete()


def save_thresholds(*, thresholds: RiskThresholds, actor: str) -> RiskThresholds:
    """Validate and save review/decline thresholds (global or a merchant's), audited."""
    thresholds.full_clean()
    save_audited(thresholds, actor=actor)
    return thresholds


def delete_thresholds(*, thresholds: RiskThresholds, actor: str) -> None:
    delete_audited(thresholds, actor=actor)
