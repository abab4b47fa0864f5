"""Alert rules and escalation policies as YAML (config/alert_rules.yaml): load into the database, export back.
Loading saves each policy, level and rule through the audit log (only what it changes), as the admin does."""

from pathlib import Path
from typing import Any

import yaml
from django.db import transaction

from audit.services import delete_audited, save_audited

from .matching import check_conditions, check_template
from .models import AlertRule, EscalationLevel, EscalationPolicy

RULE_FIELDS = (
    "description",
    "conditions",
    "threshold",
    "window_seconds",
    "severity",
    "group_by",
    "condition",
    "repeat_interval_seconds",
    "resolve_after_seconds",
    "enabled",
)


def load_alert_rules(path: str | Path, *, actor: str) -> tuple[int, int]:
    """Create or update the policies and rules named in the file; others are left alone. Returns the counts."""
    document = yaml.safe_load(Path(path).read_text()) or {}
    with transaction.atomic():
        policies = document.get("escalation_policies", [])
        for item in policies:
            policy = EscalationPolicy.objects.filter(name=item["name"]).first() or EscalationPolicy(name=item["name"])
            policy.description = item.get("description", "")
            save_audited(policy, actor=actor)
            _load_levels(policy, item.get("levels", []), actor=actor)
        rules = document.get("rules", [])
        for item in rules:
            check_conditions(item.get("conditions", []))
            check_template(item["summary"])
            check_template(item.get("group_by", ""))
            check_template(item.get("condition", ""))
            policy_name = item.get("escalation_policy")
            rule = AlertRule.objects.filter(name=item["name"]).first() or AlertRule(name=item["name"])
            rule.event_type, rule.summary = item["event_type"], item["summary"]
            rule.escalation_policy = EscalationPolicy.objects.get(name=policy_name) if policy_name else None
            for name in RULE_FIELDS:
                if name in item:
                    setattr(rule, name, item[name])
            save_audited(rule, actor=actor)
    return len(policies), len(rules)


def _load_levels(policy: EscalationPolicy, levels: list[dict[str, Any]], *, actor: str) -> None:
    existing = {level.position: level for level in policy.levels.all()}
    for position, item in enumerate(levels):
        level = existing.pop(position, None) or EscalationLevel(policy=policy, position=position)
        level.delay_seconds = item.get("delay_seconds", 0)
        level.targets = [str(target) for target in item.get("targets", [])]
        save_audited(level, actor=actor)
    for extra in existing.values():
        delete_audited(extra, actor=actor)


def export_alert_rules() -> str:
    policies = [
        {
            "name": policy.name,
            **({"description": policy.description} if policy.description else {}),
            "levels": [
                {"delay_seconds": level.delay_seconds, "targets": level.targets}
                for level in policy.levels.order_by("position")
            ],
        }
        for policy in EscalationPolicy.objects.order_by("name")
    ]
    rules: list[dict[str, Any]] = []
    for rule in AlertRule.objects.select_related("escalation_policy").order_by("name"):
        item: dict[str, Any] = {"name": rule.name, "event_type": rule.event_type, "summary": rule.summary}
        for name in RULE_FIELDS:
            value = getattr(rule, name)
            if value not in (None, "", []):
                item[name] = value
        if rule.escalation_policy:
            item["escalation_policy"] = rule.escalation_policy.name
        rules.append(item)
    return yaml.safe_dump({"escalation_policies": policies, "rules": rules}, sort_keys=False, allow_unicode=True)
