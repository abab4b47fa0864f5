"""Every write endpoint of the API under 12 concurrent requests on PostgreSQL, with the same body and with
different bodies: never a 5xx, and an end state that adds up. The cases are checked against the URL
configuration, so a new write endpoint cannot escape this test."""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.urls import URLResolver, get_resolver

from alerts.models import Incident, TelegramAccount
from antifraud.models import FraudReport
from antifraud.services.decisions import decide_transaction
from audit.models import AuditEntry
from eventbus.models import OutboxEvent
from tests.conftest import payment
from transactions.models import Refund, Transaction
from webhooks.handlers import record_webhook_events
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.services import create_endpoint

CONCURRENT = 12
AM_TOKEN, TG_SECRET = "am-token", "tg-secret"


@dataclass
class Case:
    path: str
    bodies: list[dict[str, Any]]
    check: Callable[[list[requests.Response]], None]
    headers: dict[str, str] = field(default_factory=dict)
    method: str = "post"


def _write_routes() -> set[str]:
    def walk(patterns: list, prefix: str = ""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                yield prefix + str(pattern.pattern), getattr(pattern.callback, "cls", None)

    return {
        route
        for route, view in walk(get_resolver().url_patterns)
        if view is not None and not route.startswith("admin") and {"post", "put", "patch", "delete"} & set(dir(view))
    }


def _statuses(responses: list[requests.Response]) -> list[int]:
    return sorted(response.status_code for response in responses)


class World:
    """The prerequisites, made in the test's thread before the requests start."""

    def __init__(self, merchant: Any, key: str, url: str, make_payment: Callable[..., Transaction]) -> None:
        self.merchant, self.key, self.url, self._make_payment = merchant, key, url, make_payment

    def payment(self, **overrides: Any) -> Transaction:
        """A payment made and decided (approved, or authorized for a manual capture)."""
        tx = self._make_payment(**overrides)
        decide_transaction(transaction_id=tx.id)
        return Transaction.objects.get(pk=tx.id)

    def endpoint(self) -> WebhookEndpoint:
        return create_endpoint(merchant=self.merchant, url="https://93.184.216.34/hooks", events=["*"]).endpoint


def create_payments(world: World, same: bool) -> Case:
    bodies = [payment(amount=f"{10 + (0 if same else i)}.00") for i in range(CONCURRENT)]

    def check(responses: list[requests.Response]) -> None:
        assert all(r.status_code == 202 for r in responses) or (same and set(_statuses(responses)) <= {202, 409})
        made = Transaction.objects.filter(merchant=world.merchant, merchant_reference="order-1001")
        assert made.count() == (1 if same else CONCURRENT)

    headers = {"Idempotency-Key": "same-key"} if same else {}
    if not same:
        return Case("/transaction", bodies, check, method="post_each_key")
    return Case("/transaction", bodies, check, headers)


def capture(world: World, same: bool) -> Case:
    tx = world.payment(capture_method="manual")
    bodies = [{"amount": "49.99"} if same else {"amount": f"{1 + i}.00"} for i in range(CONCURRENT)]

    def check(responses: list[requests.Response]) -> None:
        assert _statuses(responses).count(200) == 1 and set(_statuses(responses)) <= {200, 409}
        captured = Transaction.objects.get(pk=tx.pk)
        assert captured.amount_captured_minor in {int(b["amount"].replace(".", "")) for b in bodies}

    return Case(f"/transaction/{tx.pk}/capture", bodies, check)


def cancel(world: World, same: bool) -> Case:
    tx = world.payment(capture_method="manual")
    bodies = [{} if same else {"idempotency_key": f"cancel-{i}"} for i in range(CONCURRENT)]

    def check(responses: list[requests.Response]) -> None:
        assert _statuses(responses).count(200) == 1 and set(_statuses(responses)) <= {200, 409}
        assert Transaction.objects.get(pk=tx.pk).status == "canceled"

    return Case(f"/transaction/{tx.pk}/cancel", bodies, check)


def refunds(world: World, same: bool) -> Case:
    tx = world.payment()  # 49.99 USD captured
    bodies = [{"amount": "5.00"} if same else {"amount": f"{3 + i}.00"} for i in range(CONCURRENT)]

    def check(responses: list[requests.Response]) -> None:
        assert set(_statuses(responses)) <= {201, 409}
        refunded = Transaction.objects.get(pk=tx.pk).amount_refunded_minor
        made = Refund.objects.filter(transaction=tx, status="succeeded")
        assert refunded == sum(made.values_list("amount_minor", flat=True)) <= 4999
        assert made.count() == _statuses(responses).count(201) > 0

    return Case(f"/transaction/{tx.pk}/refunds", bodies, check)


def fraud_report(world: World, same: bool) -> Case:
    tx = world.payment()
    reasons = ["fraudulent", "suspicious", "not_fraud"]
    bodies = [{"reason": "fraudulent" if same else reasons[i % 3]} for i in range(CONCURRENT)]

    def check(responses: list[requests.Response]) -> None:
        assert set(_statuses(responses)) == {200}
        report = FraudReport.objects.get(transaction=tx)
        changes = AuditEntry.objects.filter(action="fraud_report", object_id=str(tx.pk)).order_by("id")
        assert changes.last().after["reason"] == report.reason  # the last change is the standing label
        assert 1 <= changes.count() <= (1 if same else CONCURRENT)  # the same report again changes nothing

    return Case(f"/transaction/{tx.pk}/fraud_report", bodies, check)


def webhook_endpoints(world: World, same: bool) -> Case:
    from django.conf import settings

    limit = settings.WEBHOOK_MAX_ENDPOINTS_PER_MERCHANT
    bodies = [{"url": f"https://93.184.216.34/{'same' if same else i}", "events": ["*"]} for i in range(CONCURRENT)]

    def check(responses: list[requests.Response]) -> None:
        assert set(_statuses(responses)) <= {201, 409}
        assert WebhookEndpoint.objects.filter(merchant=world.merchant).count() == _statuses(responses).count(201)
        assert _statuses(responses).count(201) <= limit

    return Case("/webhook_endpoints", bodies, check)


def delete_endpoint(world: World, same: bool) -> Case:
    endpoint = world.endpoint()

    def check(responses: list[requests.Response]) -> None:
        assert _statuses(responses).count(204) == 1 and set(_statuses(responses)) <= {204, 404}
        assert not WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()

    return Case(f"/webhook_endpoints/{endpoint.pk}", [{}] * CONCURRENT, check, method="delete")


def rotate_secret(world: World, same: bool) -> Case:
    endpoint = world.endpoint()
    bodies = [{} if same else {"expire_now": i % 2 == 0} for i in range(CONCURRENT)]

    def check(responses: list[requests.Response]) -> None:
        assert set(_statuses(responses)) <= {200, 409}
        signing = WebhookEndpoint.objects.get(pk=endpoint.pk).secrets.filter(expires_at__isnull=True)
        assert signing.count() == 1  # exactly one secret that does not expire: the newest

    return Case(f"/webhook_endpoints/{endpoint.pk}/rotate_secret", bodies, check)


def retry_delivery(world: World, same: bool) -> Case:
    world.endpoint()
    tx = world.payment()
    record_webhook_events([event.envelope for event in OutboxEvent.objects.filter(key=str(tx.pk))])
    delivery = WebhookDelivery.objects.filter(endpoint__merchant=world.merchant).first()

    def check(responses: list[requests.Response]) -> None:
        assert set(_statuses(responses)) <= {202, 409} and 202 in _statuses(responses)
        assert WebhookDelivery.objects.filter(pk=delivery.pk).count() == 1

    return Case(f"/webhook_deliveries/{delivery.pk}/retry", [{}] * CONCURRENT, check)


def alertmanager(world: World, same: bool) -> Case:
    def alert(instance: str) -> dict:
        labels = {"alertname": "HighErrorRate", "instance": instance, "severity": "critical"}
        return {
            "version": "4",
            "status": "firing",
            "receiver": "payproc",
            "groupKey": "{}:{}",
            "alerts": [
                {"status": "firing", "labels": labels, "annotations": {"summary": "5xx"}, "fingerprint": instance}
            ],
        }

    bodies = [alert("web-1" if same else f"web-{i}") for i in range(CONCURRENT)]

    def check(responses: list[requests.Response]) -> None:
        assert set(_statuses(responses)) == {200}
        assert Incident.objects.filter(rule__name="prometheus").count() == (1 if same else CONCURRENT)

    return Case("/alerts/alertmanager", bodies, check, {"Authorization": f"Bearer {AM_TOKEN}"})


def telegram(world: World, same: bool) -> Case:
    requests.post(
        f"{world.url}/alerts/alertmanager",
        json=alertmanager(world, True).bodies[0],
        headers={"Authorization": f"Bearer {AM_TOKEN}"},
        timeout=30,
    ).raise_for_status()
    incident = Incident.objects.get(rule__name="prometheus")
    buttons = ["ack", "resolve"]

    def update(i: int) -> dict:
        button = "ack" if same else buttons[i % 2]
        query = {
            "id": f"cb-{i}",
            "from": {"id": 555, "is_bot": False, "first_name": "Olga"},
            "data": f"{button}:{incident.pk}",
        }
        return {"update_id": i, "callback_query": {**query, "chat_instance": "1"}}

    def check(responses: list[requests.Response]) -> None:
        assert set(_statuses(responses)) == {200}
        acted = [r.json()["acted"] for r in responses]
        state = Incident.objects.get(pk=incident.pk).state
        assert acted.count(True) >= 1 and state in ({"acknowledged"} if same else {"acknowledged", "resolved"})
        if same:
            assert acted.count(True) == 1

    return Case(
        "/alerts/telegram",
        [update(i) for i in range(CONCURRENT)],
        check,
        {"X-Telegram-Bot-Api-Secret-Token": TG_SECRET},
    )


CASES = {
    "transaction": create_payments,
    "transaction/<uuid:transaction_id>/capture": capture,
    "transaction/<uuid:transaction_id>/cancel": cancel,
    "transaction/<uuid:transaction_id>/refunds": refunds,
    "transaction/<uuid:transaction_id>/fraud_report": fraud_report,
    "webhook_endpoints": webhook_endpoints,
    "webhook_endpoints/<uuid:endpoint_id>": delete_endpoint,
    "webhook_endpoints/<uuid:endpoint_id>/rotate_secret": rotate_secret,
    "webhook_deliveries/<uuid:delivery_id>/retry": retry_delivery,
    "alerts/alertmanager": alertmanager,
    "alerts/telegram": telegram,
}


def test_every_write_endpoint_has_a_concurrency_case():
    assert _write_routes() - {"sandbox/provider/authorizations"} == set(CASES)


@pytest.fixture
def world(transactional_db, live_server, settings, merchant_and_key, make_payment):
    settings.ALERTMANAGER_WEBHOOK_TOKEN, settings.TELEGRAM_WEBHOOK_SECRET = AM_TOKEN, TG_SECRET
    settings.WEBHOOK_ALLOWED_HOSTS = ["93.184.216.34"]
    settings.RATE_LIMIT_PER_API_KEY = "100000/second"
    call_command("load_alert_rules")
    olga = User.objects.create_user("olga", password="pw", is_staff=True)
    olga.groups.add(Group.objects.get(name="Risk admin"))
    TelegramAccount.objects.create(user=olga, telegram_user_id=555)
    merchant, key = merchant_and_key
    return World(merchant, key, live_server.url, make_payment)


@pytest.mark.parametrize("same", [True, False], ids=["same body", "different bodies"])
@pytest.mark.parametrize("route", sorted(CASES))
def test_concurrent_writes_answer_no_5xx_and_add_up(world, route, same):
    case = CASES[route](world, same)
    auth = {"Authorization": f"Bearer {world.key}"}

    def send(index: int) -> requests.Response:
        headers = {**auth, **case.headers}
        if case.method == "post_each_key":
            headers["Idempotency-Key"] = f"key-{index}"
        method = "delete" if case.method == "delete" else "post"
        body = case.bodies[index] if method == "post" else None
        return requests.request(method, f"{world.url}{case.path}", json=body, headers=headers, timeout=60)

    with ThreadPoolExecutor(max_workers=CONCURRENT) as pool:
        responses = list(pool.map(send, range(CONCURRENT)))

    assert [r.status_code for r in responses if r.status_code >= 500] == [], [r.text[:300] for r in responses]
    case.check(responses)
