"""Operating webhooks: the endpoint cap, expiring a leaked secret, manual retries that queue and answer at
once, and admin actions that need the change permission and are audited as the acting user."""

import json
import uuid

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.test import Client
from django.utils import timezone

from antifraud.services.decisions import decide_transaction
from audit.models import AuditEntry
from eventbus.models import OutboxEvent
from tests.conftest import error_of
from tests.webhooks.conftest import deliver_due
from webhooks.handlers import record_webhook_events
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.signing import HEADER, verify


def _post(api, path, body=None):
    return api.post(path, data=json.dumps(body or {}), content_type="application/json")


@pytest.fixture
def endpoint(api, receiver) -> dict:
    return _post(api, "/webhook_endpoints", {"url": receiver.url, "events": ["*"]}).json()


def _pay_and_record(post_payment) -> str:
    tx_id = post_payment().json()["id"]
    decide_transaction(transaction_id=tx_id)
    record_webhook_events([e.envelope for e in OutboxEvent.objects.filter(key=tx_id).order_by("id")])
    return tx_id


def test_a_merchant_cannot_register_more_endpoints_than_the_cap(api, receiver, settings):
    settings.WEBHOOK_MAX_ENDPOINTS_PER_MERCHANT = 2
    for _ in range(2):
        assert _post(api, "/webhook_endpoints", {"url": receiver.url, "events": ["*"]}).status_code == 201

    refused = _post(api, "/webhook_endpoints", {"url": receiver.url, "events": ["*"]})

    assert refused.status_code == 409 and error_of(refused)["code"] == "endpoint_limit_reached"
    assert WebhookEndpoint.objects.count() == 2


def test_an_expired_secret_stops_signing_at_once(api, endpoint, receiver, post_payment):
    first = _post(api, f"/webhook_endpoints/{endpoint['id']}/rotate_secret").json()["secret"]  # overlapping
    fresh = _post(api, f"/webhook_endpoints/{endpoint['id']}/rotate_secret", {"expire_now": True}).json()["secret"]
    _pay_and_record(post_payment)
    deliver_due()

    [sent] = receiver.requests
    assert sent["headers"][HEADER].count("v1=") == 1
    assert verify(header=sent["headers"][HEADER], body=sent["body"], secret=fresh)
    for leaked in (endpoint["secret"], first):
        assert not verify(header=sent["headers"][HEADER], body=sent["body"], secret=leaked)
    assert AuditEntry.objects.filter(action="webhookendpoint.expire_secret", object_id=endpoint["id"]).exists()


def test_a_manual_retry_is_queued_and_refused_while_the_delivery_is_in_flight(api, endpoint, post_payment):
    _pay_and_record(post_payment)
    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.update(lease_token=uuid.uuid4(), lease_until=timezone.now() + timezone.timedelta(minutes=5))

    busy = _post(api, f"/webhook_deliveries/{delivery.id}/retry")

    assert busy.status_code == 409 and "being sent" in error_of(busy)["message"]
    WebhookDelivery.objects.update(lease_token=None, lease_until=None)
    queued = _post(api, f"/webhook_deliveries/{delivery.id}/retry")
    assert queued.status_code == 202
    audited = AuditEntry.objects.get(action="webhookdelivery.resend")
    assert audited.actor == f"merchant:{endpoint_merchant(endpoint)}"


def endpoint_merchant(endpoint: dict) -> str:
    return str(WebhookEndpoint.objects.get(pk=endpoint["id"]).merchant_id)


def _staff(username: str, *codenames: str, group: str | None = None) -> Client:
    user = User.objects.create_user(username, password="pw", is_staff=True)
    if group:
        user.groups.add(Group.objects.get(name=group))
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="webhooks", codename__in=codenames))
    client = Client()
    client.force_login(user)
    return client


def test_admin_actions_need_the_change_permission(endpoint, post_payment, receiver):
    _pay_and_record(post_payment)
    deliver_due()
    WebhookEndpoint.objects.update(status="disabled", disabled_reason="deliveries failed for 72 h")
    viewer = _staff("vic", "view_webhookendpoint", "view_webhookdelivery")

    page = viewer.get("/admin/webhooks/webhookendpoint/").content.decode()
    assert "enable_selected" not in page and "expire_secrets" not in page
    viewer.post("/admin/webhooks/webhookendpoint/", {"action": "enable_selected", "_selected_action": [endpoint["id"]]})
    delivery_id = str(WebhookDelivery.objects.get().id)
    viewer.post("/admin/webhooks/webhookdelivery/", {"action": "retry_selected", "_selected_action": [delivery_id]})

    assert WebhookEndpoint.objects.get().status == "disabled"
    assert len(receiver.requests) == 1
    assert not AuditEntry.objects.filter(actor="vic").exists()


def test_a_risk_admin_enables_expires_and_resends_and_each_is_audited_as_them(endpoint, post_payment, receiver):
    _pay_and_record(post_payment)
    deliver_due()
    WebhookEndpoint.objects.update(status="disabled", disabled_reason="deliveries failed for 72 h")
    rita = _staff("rita", group="Risk admin")
    endpoints, deliveries = "/admin/webhooks/webhookendpoint/", "/admin/webhooks/webhookdelivery/"

    assert "enable_selected" in rita.get(endpoints).content.decode()
    rita.post(endpoints, {"action": "enable_selected", "_selected_action": [endpoint["id"]]})
    rita.post(endpoints, {"action": "expire_secrets", "_selected_action": [endpoint["id"]]})
    delivery_id = str(WebhookDelivery.objects.get().id)
    rita.post(deliveries, {"action": "retry_selected", "_selected_action": [delivery_id]})

    assert WebhookEndpoint.objects.get().status == "enabled"
    assert len(receiver.requests) == 2  # sent again (the task ran in-process here)
    assert not verify(header=receiver.requests[1]["headers"][HEADER], body=receiver.requests[1]["body"],
                      secret=endpoint["secret"])  # fmt: skip
    actions = set(AuditEntry.objects.filter(actor="rita").values_list("action", flat=True))
    assert actions == {"webhookendpoint.enable", "webhookendpoint.expire_secret", "webhookdelivery.resend"}
    enabled = AuditEntry.objects.get(actor="rita", action="webhookendpoint.enable")
    assert (enabled.before["status"], enabled.after["status"]) == ("disabled", "enabled")


@pytest.mark.parametrize("value", [0, "true", None])
def test_expire_now_must_be_a_json_boolean(api, endpoint, value):
    refused = _post(api, f"/webhook_endpoints/{endpoint['id']}/rotate_secret", {"expire_now": value})

    assert refused.status_code == 400 and error_of(refused)["param"] == "expire_now"
    [secret] = WebhookEndpoint.objects.get().secrets.all()  # nothing rotated
    assert secret.expires_at is None
