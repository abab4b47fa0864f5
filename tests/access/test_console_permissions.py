"""Least privilege in the console, generated from what is registered: every admin page, as each role,
opens exactly when the role may view its model; every admin action, as each role, is offered exactly
as the table below says, and the table must name every registered action (a new one cannot escape)."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission, User
from django.test import Client, RequestFactory

from antifraud.roles import ANALYST, RISK_ADMIN

ROLES = ("superuser", RISK_ADMIN, ANALYST, "staff only", "views API keys")
ADMINS = (RISK_ADMIN, "superuser")
ANYONE_IN_THE_BACK_OFFICE = ("superuser", RISK_ADMIN, ANALYST)

# Who is offered each action, by role. Actions that change a merchant's credentials, a user's sign-in or
# delete anything are the superuser's; analysts decide payments and handle incidents.
ACTIONS = {
    ("axes.AccessAttempt", "unlock_selected"): ADMINS,
    ("auth.User", "reset_two_factor"): ("superuser",),
    ("auth.User", "delete_selected"): ("superuser",),
    ("auth.Group", "delete_selected"): ("superuser",),
    ("transactions.Merchant", "issue_key"): ("superuser",),
    ("transactions.Merchant", "delete_selected"): ("superuser",),
    ("transactions.ApiKey", "revoke"): ("superuser",),
    ("transactions.ApiKey", "rotate"): ("superuser",),
    ("antifraud.ReviewQueueItem", "approve_selected"): ANYONE_IN_THE_BACK_OFFICE,
    ("antifraud.ReviewQueueItem", "decline_selected"): ANYONE_IN_THE_BACK_OFFICE,
    ("antifraud.FraudRule", "delete_selected"): ADMINS,
    ("antifraud.RiskThresholds", "delete_selected"): ADMINS,
    ("antifraud.ListEntry", "delete_selected"): ANYONE_IN_THE_BACK_OFFICE,
    ("alerts.Incident", "acknowledge"): ANYONE_IN_THE_BACK_OFFICE,
    ("alerts.Incident", "resolve"): ANYONE_IN_THE_BACK_OFFICE,
    ("alerts.AlertRule", "delete_selected"): ADMINS,
    ("alerts.EscalationPolicy", "delete_selected"): ADMINS,
    ("alerts.Silence", "delete_selected"): ADMINS,
    ("alerts.TelegramAccount", "delete_selected"): ("superuser",),
    ("webhooks.WebhookEndpoint", "enable_selected"): ADMINS,
    ("webhooks.WebhookEndpoint", "expire_secrets"): ADMINS,
    ("webhooks.WebhookDelivery", "retry_selected"): ADMINS,
}


@pytest.fixture
def users(db) -> dict[str, User]:
    made = {"superuser": User.objects.create_superuser("root", password="pw")}
    for role in (RISK_ADMIN, ANALYST):
        made[role] = User.objects.create_user(role.replace(" ", "-"), password="pw", is_staff=True)
        made[role].groups.add(Group.objects.get(name=role))
    made["staff only"] = User.objects.create_user("staff", password="pw", is_staff=True)
    made["views API keys"] = User.objects.create_user("keys-viewer", password="pw", is_staff=True)
    made["views API keys"].user_permissions.add(Permission.objects.get(codename="view_apikey"))
    return {role: User.objects.get(pk=user.pk) for role, user in made.items()}  # permission caches fresh


def _offered(model_admin: admin.ModelAdmin, user: User) -> set[str]:
    request = RequestFactory().get("/admin/")
    request.user = user
    return set(model_admin.get_actions(request))


def test_every_action_declares_its_permissions():
    for model, model_admin in admin.site._registry.items():
        for name in model_admin.actions or ():
            action = getattr(model_admin, name) if isinstance(name, str) else name
            assert getattr(action, "allowed_permissions", None), f"{model._meta.label}.{name} declares no permission"


def test_each_role_is_offered_exactly_the_actions_of_the_table(users):
    offered = {
        (model._meta.label, action): tuple(role for role in ROLES if action in _offered(model_admin, users[role]))
        for model, model_admin in admin.site._registry.items()
        for action in _offered(model_admin, users["superuser"])
    }
    assert set(offered) == set(ACTIONS), "add every new admin action to ACTIONS, with who may use it"
    for key, roles in offered.items():
        assert set(roles) == set(ACTIONS[key]), key


def test_each_page_opens_exactly_for_the_roles_that_may_view_its_model(users):
    for role in ROLES:
        client = Client()
        client.force_login(users[role])
        for model in admin.site._registry:
            opts = model._meta
            may_view = users[role].has_perm(f"{opts.app_label}.view_{opts.model_name}") or users[role].has_perm(
                f"{opts.app_label}.change_{opts.model_name}"
            )
            status = client.get(f"/admin/{opts.app_label}/{opts.model_name}/").status_code
            assert status == (200 if may_view else 403), (role, opts.label, status)


def test_a_user_who_only_views_api_keys_can_neither_rotate_nor_revoke_one(users, merchant, api_key):
    from transactions.models import ApiKey

    client = Client()
    client.force_login(users["views API keys"])
    key = ApiKey.objects.get()
    for action in ("rotate", "revoke"):
        response = client.post("/admin/transactions/apikey/", {"action": action, "_selected_action": [key.pk]})
        assert response.status_code in {200, 302}
        assert response.content.decode().count("sk_test_") <= 1  # the key's prefix in the list, no new secret
    assert ApiKey.objects.get().revoked_at is None and ApiKey.objects.count() == 1


def test_the_payment_page_needs_the_view_permission_on_payments_and_notes_their_own(users, make_payment):
    from audit.models import AuditEntry

    tx = make_payment()
    page = f"/admin/antifraud/reviewqueueitem/{tx.pk}/change/"
    staff = Client()
    staff.force_login(users["staff only"])
    assert staff.get(page).status_code == 403
    assert staff.post(page, {"action": "note", "reason": "looks fine"}).status_code == 403

    analyst = Client()
    analyst.force_login(users[ANALYST])
    assert analyst.get(page).status_code == 200
    analyst.post(page, {"action": "note", "reason": "called the customer"})
    assert AuditEntry.objects.filter(action="note", note="called the customer").exists()
