"""Changing rules and thresholds. Every create, update and delete leaves an audit entry (who, when,
before, after) in its transaction: the audit log is the rules' history, and the rule's page shows it.
Every change to the set publishes a new numbered RuleSetVersion in the same transaction, which each
decision then names; a change of several rules at once (a document, an approved proposal) is one version.
"""

from typing import Any

from django.db import transaction

from audit.services import delete_audited, record, save_audited, snapshot

from ..models import FraudRule, RiskThresholds, RuleSetVersion
from ..rule_documents import Document, fill_rule, live_document

_FIELDS = ("name", "rule_type", "parameters", "score", "enabled", "mode", "merchant", "description")


def rule_snapshot(rule: FraudRule) -> dict[str, Any]:
    return snapshot(rule, fields=_FIELDS)


def current_rules_version() -> int | None:
    return RuleSetVersion.objects.order_by("-number").values_list("number", flat=True).first()


def publish_version(
    *, actor: str, summary: str, approved_by: str = "", author: str | None = None
) -> RuleSetVersion | None:
    """Number the rule set now in the tables as the next version; None when it equals the latest one.
    `author` wrote the change (a proposal's maker), `approved_by` let it go live (its checker).
    Call inside the transaction of the change: the latest version's row lock orders concurrent publishers."""
    with transaction.atomic():
        RuleSetVersion.objects.select_for_update().order_by("-number").first()
        # Read again after the lock: a publisher that held it may have committed a newer version.
        latest = RuleSetVersion.objects.order_by("-number").first()
        document = live_document()
        if latest is not None and latest.document == document:
            return None
        version = RuleSetVersion.objects.create(
            number=(latest.number + 1) if latest else 1,
            document=document,
            summary=summary[:500],
            published_by=author or actor,
            approved_by=approved_by,
        )
        record(actor=actor, action="rulesetversion.publish", target=version, after={"number": version.number})
    return version


def save_rule(*, rule: FraudRule, actor: str, publish: bool = True) -> FraudRule:
    """Validate and save a rule, recording the change (and publishing a version unless told not to)."""
    rule.full_clean()
    with transaction.atomic():
        before = None
        if rule.pk:
            previous = FraudRule.objects.select_for_update().filter(pk=rule.pk).first()
            before = rule_snapshot(previous) if previous else None
        rule.save()
        after = rule_snapshot(rule)
        if before != after:
            action = "fraudrule.change" if before else "fraudrule.add"
            record(actor=actor, action=action, target=rule, before=before, after=after)
            if publish:
                publish_version(actor=actor, summary=f"rule {rule.name} {'changed' if before else 'added'}")
    return rule


def delete_rule(*, rule: FraudRule, actor: str, publish: bool = True) -> None:
    with transaction.atomic():
        before = rule_snapshot(rule)
        record(actor=actor, action="fraudrule.delete", target=rule, before=before)
        rule.delete()
        if publish:
            publish_version(actor=actor, summary=f"rule {before['name']} removed")


def save_thresholds(*, thresholds: RiskThresholds, actor: str, publish: bool = True) -> RiskThresholds:
    """Validate and save review/decline thresholds (global or a merchant's), audited."""
    thresholds.full_clean()
    with transaction.atomic():
        save_audited(thresholds, actor=actor)
        if publish:
            publish_version(actor=actor, summary=f"thresholds of {thresholds.merchant or 'every merchant'} changed")
    return thresholds


def delete_thresholds(*, thresholds: RiskThresholds, actor: str, publish: bool = True) -> None:
    with transaction.atomic():
        delete_audited(thresholds, actor=actor)
        if publish:
            publish_version(actor=actor, summary=f"thresholds of {thresholds.merchant or 'every merchant'} removed")


def _apply_rules(document: Document, *, actor: str, delete_missing: bool) -> None:
    existing = {rule.name: rule for rule in FraudRule.objects.select_for_update()}
    for item in document["rules"]:
        rule = fill_rule(existing.pop(item["name"], None) or FraudRule(name=item["name"]), item)
        save_rule(rule=rule, actor=actor, publish=False)
    if delete_missing:
        for rule in existing.values():
            delete_rule(rule=rule, actor=actor, publish=False)


def _apply_thresholds(document: Document, *, actor: str, delete_missing: bool) -> None:
    wanted = {row["merchant"]: row for row in document.get("merchant_thresholds", [])}
    if document.get("thresholds"):
        wanted[None] = document["thresholds"]
    existing = {
        (str(row.merchant_id) if row.merchant_id else None): row for row in RiskThresholds.objects.select_for_update()
    }
    for merchant, values in wanted.items():
        row = existing.pop(merchant, None) or RiskThresholds(merchant_id=merchant)
        if (row.review_at, row.decline_at) != (values["review_at"], values["decline_at"]):
            row.review_at, row.decline_at = values["review_at"], values["decline_at"]
            save_thresholds(thresholds=row, actor=actor, publish=False)
    if delete_missing:
        for row in existing.values():
            delete_thresholds(thresholds=row, actor=actor, publish=False)


def apply_document(
    document: Document,
    *,
    actor: str,
    summary: str,
    approved_by: str = "",
    author: str | None = None,
    delete_missing: bool = True,
) -> RuleSetVersion | None:
    """Make the live rule set the (clean) document's and publish it as one version; None if nothing changed.
    Without `delete_missing`, rules and thresholds the document does not name are left as they are."""
    with transaction.atomic():
        _apply_rules(document, actor=actor, delete_missing=delete_missing)
        _apply_thresholds(document, actor=actor, delete_missing=delete_missing)
        return publish_version(actor=actor, summary=summary, approved_by=approved_by, author=author)
