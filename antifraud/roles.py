"""The back-office roles, declared once and kept in sync after every migrate (and every test flush)."""

from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

ANALYST = "Fraud analyst"
RISK_ADMIN = "Risk admin"

ANALYST_PERMISSIONS = [
    ("transactions", "view_transaction"),
    ("transactions", "review_transaction"),
    ("transactions", "note_transaction"),
    ("transactions", "view_transactionevent"),
    ("antifraud", "view_reviewqueueitem"),
    ("antifraud", "view_frauddecision"),
    ("antifraud", "view_analystreview"),
    ("antifraud", "view_rulesetversion"),
    ("antifraud", "view_cardbin"),
    ("antifraud", "view_ruleproposal"),
    ("antifraud", "view_fraudmodelversion"),
    ("audit", "view_auditentry"),
    ("antifraud", "view_listentry"),
    ("antifraud", "add_listentry"),
    ("antifraud", "change_listentry"),
    ("antifraud", "delete_listentry"),
    ("alerts", "view_incident"),
    ("alerts", "change_incident"),
]
RISK_ADMIN_PERMISSIONS = (
    ANALYST_PERMISSIONS
    + [
        (app, f"{verb}_{model}")
        for app, model in (
            ("antifraud", "fraudrule"),
            ("antifraud", "riskthresholds"),
            ("alerts", "alertrule"),
            ("alerts", "silence"),
            ("alerts", "escalationpolicy"),
            ("alerts", "escalationlevel"),
        )
        for verb in ("view", "add", "change", "delete")
    ]
    # Webhooks: the pages, and their actions (enable an endpoint, expire its secrets, send again).
    + [
        ("webhooks", f"{verb}_{model}")
        for model in ("webhookendpoint", "webhookdelivery")
        for verb in ("view", "change")
    ]
    + [("axes", "view_accessattempt"), ("axes", "delete_accessattempt")]
    + [("antifraud", "add_ruleproposal"), ("antifraud", "approve_ruleproposal")]
    # Model versions: propose, reject, roll back (change); approve another's proposal.
    + [("antifraud", "change_fraudmodelversion"), ("antifraud", "approve_fraudmodelversion")]
)

ROLES = {ANALYST: ANALYST_PERMISSIONS, RISK_ADMIN: RISK_ADMIN_PERMISSIONS}


def sync_roles(**_: Any) -> None:
    """Create the groups and grant what they need; permissions an admin added by hand stay."""
    for name, pairs in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        wanted = Q(pk__in=[])
        for app_label, codename in pairs:
            wanted |= Q(content_type__app_label=app_label, codename=codename)
        group.permissions.add(*Permission.objects.filter(wanted))
