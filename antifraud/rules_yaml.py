"""Rules and thresholds as YAML (config/antifraud_rules.yaml): load into the database and export back."""

from pathlib import Path
from typing import Any

import yaml
from django.db import transaction

from .models import FraudRule, RiskThresholds
from .rule_services import save_rule


def load_rules(path: str | Path, *, actor: str) -> int:
    """Create or update the global rules named in the file (by name); other rules are left alone."""
    document = yaml.safe_load(Path(path).read_text()) or {}
    count = 0
    with transaction.atomic():
        for item in document.get("rules", []):
            rule = FraudRule.objects.filter(name=item["name"], merchant__isnull=True).first() or FraudRule(
                name=item["name"]
            )
            rule.rule_type = item["type"]
            rule.parameters = item.get("parameters", {})
            rule.score = item["score"]
            rule.enabled = item.get("enabled", True)
            rule.description = item.get("description", "")
            save_rule(rule=rule, actor=actor)
            count += 1
        thresholds = document.get("thresholds")
        if thresholds:
            RiskThresholds.objects.update_or_create(
                merchant=None, defaults={"review_at": thresholds["review_at"], "decline_at": thresholds["decline_at"]}
            )
    return count


def export_rules() -> str:
    rules: list[dict[str, Any]] = []
    for rule in FraudRule.objects.filter(merchant__isnull=True).order_by("name"):
        item: dict[str, Any] = {"name": rule.name, "type": rule.rule_type, "score": rule.score}
        if rule.description:
            item["description"] = rule.description
        if rule.parameters:
            item["parameters"] = rule.parameters
        if not rule.enabled:
            item["enabled"] = False
        rules.append(item)
    document: dict[str, Any] = {"rules": rules}
    global_thresholds = RiskThresholds.objects.filter(merchant__isnull=True).first()
    if global_thresholds:
        document["thresholds"] = {"review_at": global_thresholds.review_at, "decline_at": global_thresholds.decline_at}
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
