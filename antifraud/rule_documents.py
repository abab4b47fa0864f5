"""The rule set as one document (the format of config/antifraud_rules.yaml): read from the live tables,
checked, compared. Versions, proposals, the YAML file and the backtest all speak this format.

    thresholds: {review_at: 50, decline_at: 80}
    merchant_thresholds: [{merchant: <id>, review_at: 30, decline_at: 60}]
    rules: [{name, type, score, description?, parameters?, enabled?, mode?, action?, merchant?}]

Documents are kept canonical (rules sorted by name, defaults left out), so two documents that mean the
same rule set are equal and a diff shows only what a change does.
"""

from dataclasses import dataclass
from typing import Any

import yaml
from django.core.exceptions import ValidationError

from transactions.models import Merchant

from .models import FraudRule, RiskThresholds
from .rule_parameters import RuleAction, RuleMode

Document = dict[str, Any]
RULE_FIELDS = {"name", "type", "score", "description", "parameters", "enabled", "mode", "action", "merchant"}


def rule_item(rule: Any) -> dict[str, Any]:
    item: dict[str, Any] = {"name": rule.name, "type": rule.rule_type, "score": rule.score}
    if rule.description:
        item["description"] = rule.description
    if rule.parameters:
        item["parameters"] = rule.parameters
    if not rule.enabled:
        item["enabled"] = False
    if rule.mode != RuleMode.LIVE:
        item["mode"] = rule.mode
    if rule.action != RuleAction.SCORE:
        item["action"] = rule.action
    if rule.merchant_id:
        item["merchant"] = str(rule.merchant_id)
    return item


def fill_rule(rule: FraudRule, item: dict[str, Any]) -> FraudRule:
    """The rule with the values of a document item (the reverse of `rule_item`), unsaved and unchecked."""
    rule.rule_type = item.get("type", "")
    rule.score = item.get("score")
    rule.parameters = item.get("parameters") or {}
    rule.enabled = item.get("enabled", True)
    rule.mode = item.get("mode", RuleMode.LIVE)
    rule.action = item.get("action", RuleAction.SCORE)
    rule.description = item.get("description", "")
    rule.merchant_id = item.get("merchant")
    return rule


def live_document(*, rule_model: Any = FraudRule, thresholds_model: Any = RiskThresholds) -> Document:
    """The rule set in force (the model classes can be a migration's historical ones)."""
    document: Document = {"rules": [rule_item(rule) for rule in rule_model.objects.order_by("name")]}
    rows = list(thresholds_model.objects.order_by("merchant_id"))
    for row in rows:
        if row.merchant_id is None:
            document["thresholds"] = {"review_at": row.review_at, "decline_at": row.decline_at}
    merchant_rows = [
        {"merchant": str(row.merchant_id), "review_at": row.review_at, "decline_at": row.decline_at}
        for row in rows
        if row.merchant_id is not None
    ]
    if merchant_rows:
        document["merchant_thresholds"] = merchant_rows
    return document


def _rule_errors(item: Any, errors: list[str]) -> FraudRule | None:
    if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"]:
        errors.append(f"every rule needs a name: {item!r}")
        return None
    name = item["name"]
    unknown = set(item) - RULE_FIELDS
    if unknown:
        errors.append(f"rule {name!r}: unknown field(s) {', '.join(sorted(unknown))}")
    rule = fill_rule(FraudRule(name=name), item)
    try:  # the merchant is checked for the whole document at once
        rule.full_clean(exclude=["merchant"], validate_unique=False)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.extend(f"rule {name!r}: {field}: {message}" for message in messages)
    if not isinstance(rule.score, int) or isinstance(rule.score, bool):
        errors.append(f"rule {name!r}: score must be a whole number from 0 to 100")
    return rule


def _thresholds_errors(label: str, item: Any, errors: list[str]) -> dict[str, int] | None:
    if not isinstance(item, dict):
        errors.append(f"{label}: must be {{review_at, decline_at}}")
        return None
    review_at, decline_at = item.get("review_at"), item.get("decline_at")
    for name, value in (("review_at", review_at), ("decline_at", decline_at)):
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 100:
            errors.append(f"{label}: {name} must be a whole number from 1 to 100")
            return None
    if review_at > decline_at:
        errors.append(f"{label}: review_at must not be above decline_at")
        return None
    return {"review_at": review_at, "decline_at": decline_at}


def clean_document(raw: Any) -> Document:
    """The canonical document, or ValidationError listing every problem (one message each)."""
    errors: list[str] = []
    if not isinstance(raw, dict):
        raise ValidationError(["the rule set must be a mapping with rules and thresholds"])
    unknown = set(raw) - {"rules", "thresholds", "merchant_thresholds"}
    if unknown:
        errors.append(f"unknown section(s) {', '.join(sorted(unknown))}")
    rules = [rule for item in raw.get("rules") or [] if (rule := _rule_errors(item, errors))]
    names = [rule.name for rule in rules]
    errors.extend(f"rule {name!r} appears twice" for name in sorted({n for n in names if names.count(n) > 1}))
    document: Document = {"rules": sorted((rule_item(rule) for rule in rules), key=lambda item: item["name"])}
    if raw.get("thresholds") is not None:
        thresholds = _thresholds_errors("thresholds", raw["thresholds"], errors)
        if thresholds:
            document["thresholds"] = thresholds
    merchant_rows = []
    for item in raw.get("merchant_thresholds") or []:
        merchant = str(item.get("merchant", "")) if isinstance(item, dict) else ""
        thresholds = _thresholds_errors(f"thresholds for merchant {merchant or '?'}", item, errors)
        if thresholds and merchant:
            merchant_rows.append({"merchant": merchant, **thresholds})
    if merchant_rows:
        document["merchant_thresholds"] = sorted(merchant_rows, key=lambda row: row["merchant"])
    merchants = {rule["merchant"] for rule in document["rules"] if "merchant" in rule} | {
        row["merchant"] for row in merchant_rows
    }
    errors.extend(f"no merchant {merchant}" for merchant in sorted(merchants - _existing_merchants(merchants)))
    if errors:
        raise ValidationError(errors)
    return document


def _existing_merchants(ids: set[str]) -> set[str]:
    found = set()
    for merchant_id in ids:
        try:
            if Merchant.objects.filter(pk=merchant_id).exists():
                found.add(merchant_id)
        except (ValueError, ValidationError):
            pass  # not a UUID: reported as missing
    return found


def parse_yaml(text: str) -> Document:
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValidationError([f"not valid YAML: {exc}"]) from exc
    return clean_document(raw or {})


def to_yaml(document: Document) -> str:
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


@dataclass(frozen=True, slots=True)
class Change:
    """One difference between two rule sets: what (a rule's name, or thresholds), and its two sides."""

    kind: str  # "added", "changed", "removed"
    subject: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def _keyed(document: Document) -> dict[str, dict[str, Any]]:
    entries = {f"rule {rule['name']}": rule for rule in document.get("rules", [])}
    if document.get("thresholds"):
        entries["thresholds"] = document["thresholds"]
    for row in document.get("merchant_thresholds", []):
        entries[f"thresholds for merchant {row['merchant']}"] = row
    return entries


def diff_documents(before: Document, after: Document) -> list[Change]:
    old, new = _keyed(before), _keyed(after)
    changes = []
    for subject in sorted(old.keys() | new.keys()):
        if subject not in new:
            changes.append(Change("removed", subject, old[subject], None))
        elif subject not in old:
            changes.append(Change("added", subject, None, new[subject]))
        elif old[subject] != new[subject]:
            changes.append(Change("changed", subject, old[subject], new[subject]))
    return changes
