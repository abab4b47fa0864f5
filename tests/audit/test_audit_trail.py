"""One audit trail: every back-office change is written by its service, in its transaction, with
before and after values."""

from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.db import DatabaseError
from django.test import Client

from antifraud.models import FraudRule, ListEntry, RiskThresholds
from antifraud.services.lists import add_list_entry
from antifraud.services.rule_sets import save_rule
from audit.models import AuditEntry
from transactions.api_keys import create_merchant, rotate_api_key
from transactions.models import ApiKey, Merchant


def login(username: str, group: str | None = None, **flags: bool) -> Client:
    user = User.objects.create_user(username, password="pw", is_staff=True, **flags)
    if group:
        user.groups.add(Group.objects.get(name=group))
    client = Client()
    client.force_login(user)
    return client


def entries(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("id"))


@pytest.mark.django_db
def test_list_entries_added_edited_and_removed_in_the_admin_are_audited():
    analyst = login("ann", "Fraud analyst")
    form = {"list_type": "block", "kind": "email", "value": " Fraud@Example.COM ", "reason": "chargebacks"}
    assert analyst.post("/admin/antifraud/listentry/add/", form).status_code == 302
    entry = ListEntry.objects.get()

    analyst.post(f"/admin/antifraud/listentry/{entry.pk}/change/", form | {"reason": "confirmed fraud"})
    analyst.post(f"/admin/antifraud/listentry/{entry.pk}/delete/", {"post": "yes"})

    [added], [changed], [deleted] = entries("listentry.add"), entries("listentry.change"), entries("listentry.delete")
    assert (added.actor, added.object_type, added.object_id) == ("ann", "antifraud.ListEntry", str(entry.pk))
    assert added.before is None and added.after["value"] == "fraud@example.com"
    assert (changed.before["reason"], changed.after["reason"]) == ("chargebacks", "confirmed fraud")
    assert deleted.before["value"] == "fraud@example.com" and deleted.after is None
    assert not ListEntry.objects.exists()


@pytest.mark.django_db
def test_the_fraud_list_command_is_audited_as_its_operator():
    call_command("fraud_list", "add", "block", "ip", "198.51.100.9", "--reason", "botnet")
    call_command("fraud_list", "remove", "block", "ip", "198.51.100.9")

    [added], [removed] = entries("listentry.add"), entries("listentry.delete")
    assert added.actor.startswith("manage.py") and added.note == "botnet"
    assert removed.before["value"] == "198.51.100.9"


@pytest.mark.django_db
def test_a_change_and_its_audit_entry_commit_together():
    with mock.patch("antifraud.services.lists.record", side_effect=DatabaseError("audit log unavailable")):
        with pytest.raises(DatabaseError):
            add_list_entry(list_type="block", kind="email", value="x@example.com", created_by="ann")

    assert not ListEntry.objects.exists()  # no change without its entry


@pytest.mark.django_db
def test_threshold_edits_keep_before_and_after():
    thresholds = RiskThresholds.objects.create(merchant=None, review_at=50, decline_at=80)
    risk_admin = login("rita", "Risk admin")

    response = risk_admin.post(
        f"/admin/antifraud/riskthresholds/{thresholds.pk}/change/", {"merchant": "", "review_at": 40, "decline_at": 75}
    )

    assert response.status_code == 302
    [entry] = entries("riskthresholds.change")
    assert entry.actor == "rita"
    assert (entry.before["review_at"], entry.before["decline_at"]) == (50, 80)
    assert (entry.after["review_at"], entry.after["decline_at"]) == (40, 75)


@pytest.mark.django_db
def test_rule_changes_are_in_the_audit_log():
    fraud_rule = FraudRule(name="big", rule_type="amount_above", score=40, parameters={"thresholds": {"USD": 10}})
    save_rule(rule=fraud_rule, actor="rita")
    fraud_rule.score = 60
    save_rule(rule=fraud_rule, actor="rita")

    [change] = entries("fraudrule.change")
    assert (change.actor, change.before["score"], change.after["score"]) == ("rita", 40, 60)


@pytest.mark.django_db
def test_merchant_edits_and_every_key_change_are_audited():
    merchant, issued = create_merchant(name="Shop", actor="ops")
    admin = login("root", is_superuser=True)

    admin.post(f"/admin/transactions/merchant/{merchant.pk}/change/", _deactivate_form(merchant))
    admin.post("/admin/transactions/merchant/", {"action": "issue_key", "_selected_action": [merchant.pk]})
    new_key = rotate_api_key(api_key=issued.api_key, overlap=timedelta(hours=1), actor="ops")
    admin.post("/admin/transactions/apikey/", {"action": "revoke", "_selected_action": [new_key.api_key.pk]})

    assert [e.actor for e in entries("merchant.add")] == ["ops"]
    [deactivated] = entries("merchant.change")
    assert (deactivated.actor, deactivated.before["is_active"], deactivated.after["is_active"]) == ("root", True, False)
    assert [e.actor for e in entries("apikey.issue")] == ["ops", "root", "ops"]  # default, admin action, rotation
    [rotated] = entries("apikey.rotate")
    assert rotated.before["expires_at"] is None and rotated.after["expires_at"] is not None
    [revoked] = entries("apikey.revoke")
    assert (revoked.actor, revoked.object_id, revoked.before["revoked_at"]) == ("root", str(new_key.api_key.pk), None)
    assert ApiKey.objects.get(pk=new_key.api_key.pk).revoked_at is not None
    for entry in AuditEntry.objects.filter(object_type="transactions.ApiKey"):
        assert "key_hash" not in (entry.after or {}) and issued.secret not in str(entry.after)


def _deactivate_form(merchant: Merchant) -> dict[str, object]:
    """The merchant's change form as the admin posts it, with "active" unticked."""
    inline = {"TOTAL_FORMS": 1, "INITIAL_FORMS": 1, "MIN_NUM_FORMS": 0, "MAX_NUM_FORMS": 1000}
    inline |= {"0-id": merchant.api_keys.get().pk, "0-merchant": merchant.pk}
    return {"name": merchant.name} | {f"api_keys-{field}": value for field, value in inline.items()}


@pytest.mark.django_db
def test_the_audit_log_refuses_changes_in_the_database():
    merchant, _ = create_merchant(name="Shop", actor="ops")
    entry = AuditEntry.objects.filter(object_id=str(merchant.pk)).get()

    with pytest.raises(DatabaseError, match="append-only"):
        AuditEntry.objects.filter(pk=entry.pk).delete()
