"""Webhooks: endpoints per merchant, signed deliveries to a real receiver, retries, rotation, SSRF refusal."""

import json
import time
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from alerts.evaluation import evaluate_event
from alerts.models import Incident
from antifraud.services.decisions import decide_transaction
from eventbus.models import OutboxEvent
from outbound import engine
from tests.conftest import error_of
from tests.webhooks.conftest import deliver_due
from transactions.api_keys import create_merchant
from webhooks.handlers import record_webhook_events
from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from webhooks.signing import HEADER, verify


def _post(api, path, body=None):
    return api.post(path, data=json.dumps(body or {}), content_type="application/json")


@pytest.fixture
def endpoint(api, receiver) -> dict:
    response = _post(api, "/webhook_endpoints", {"url": receiver.url, "events": ["*"], "description": "shop"})
    assert response.status_code == 201
    return response.json()


def _pay_and_record(post_payment, **overrides) -> str:
    """A payment decided, and its events run through the webhook handler as the event bridge would."""
    tx_id = post_payment(**overrides).json()["id"]
    decide_transaction(transaction_id=tx_id)
    envelopes = [e.envelope for e in OutboxEvent.objects.filter(key=tx_id).order_by("id")]
    record_webhook_events(envelopes)
    return tx_id


def test_an_endpoint_gets_its_secret_once_and_is_scoped_to_its_merchant(api, endpoint):
    assert endpoint["secret"].startswith("whsec_") and endpoint["status"] == "enabled"
    assert endpoint["events"] == ["*"]
    listed = api.get("/webhook_endpoints").json()
    assert [e["id"] for e in listed["data"]] == [endpoint["id"]] and "secret" not in listed["data"][0]
    assert "secret" not in api.get(f"/webhook_endpoints/{endpoint['id']}").json()

    _, issued = create_merchant(name="Other", mode="test", actor="test")
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.secret}")
    assert other.get(f"/webhook_endpoints/{endpoint['id']}").status_code == 404
    assert other.delete(f"/webhook_endpoints/{endpoint['id']}").status_code == 404
    assert other.get("/webhook_endpoints").json()["data"] == []

    assert api.delete(f"/webhook_endpoints/{endpoint['id']}").status_code == 204
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"url": "https://shop.example.com/h", "events": ["payment.paid"]}, "unknown_event_type"),
        ({"url": "https://shop.example.com/h", "events": []}, "invalid_events"),
        ({"url": "ftp://shop.example.com/h", "events": ["*"]}, "invalid_url"),
        ({"url": "https://user:pw@shop.example.com/h", "events": ["*"]}, "invalid_url"),
        ({"url": "https://shop.example.com/h", "events": "*"}, "invalid_events"),
    ],
)
def test_bad_endpoints_are_refused(api, body, code):
    response = _post(api, "/webhook_endpoints", body)
    assert response.status_code == 400 and error_of(response)["code"] == code
    assert not WebhookEndpoint.objects.exists()


def test_a_payment_is_delivered_signed_with_the_resource_as_the_api_returns_it(api, endpoint, receiver, post_payment):
    tx_id = _pay_and_record(post_payment)

    assert deliver_due() == 1
    [sent] = receiver.requests
    assert verify(header=sent["headers"][HEADER], body=sent["body"], secret=endpoint["secret"])
    event = json.loads(sent["body"])
    assert event["type"] == "payment.approved" and event["id"].startswith("evt_")
    assert event["data"]["object"] == api.get(f"/transaction/{tx_id}").json()
    assert sent["headers"]["Payproc-Event-Id"] == event["id"]
    assert "4242424242424242" not in sent["body"] and "cvv" not in sent["body"]
    delivery = api.get(f"/webhook_endpoints/{endpoint['id']}/deliveries").json()["data"][0]
    assert (delivery["status"], delivery["attempts"], delivery["event_type"]) == ("succeeded", 1, "payment.approved")


def test_a_tampered_body_an_old_signature_or_another_secret_do_not_verify(endpoint, receiver, post_payment):
    _pay_and_record(post_payment)
    deliver_due()
    [sent] = receiver.requests
    header, body, secret = sent["headers"][HEADER], sent["body"], endpoint["secret"]

    assert not verify(header=header, body=body.replace("approved", "declined"), secret=secret)
    assert not verify(header=header, body=body, secret="whsec_other")
    assert not verify(header=header, body=body, secret=secret, now=time.time() + 301)


def test_an_endpoint_hears_only_the_types_it_asked_for(api, receiver, post_payment):
    _post(api, "/webhook_endpoints", {"url": receiver.url, "events": ["refund.succeeded"]})
    tx_id = _pay_and_record(post_payment)
    assert deliver_due() == 0  # payment.approved is not wanted

    _post(api, f"/transaction/{tx_id}/refunds", {"amount": "49.99"})
    refund_events = OutboxEvent.objects.filter(key=tx_id).order_by("id")
    record_webhook_events([e.envelope for e in refund_events])
    assert deliver_due() == 1
    event = json.loads(receiver.requests[0]["body"])
    assert (event["type"], event["data"]["object"]["object"], event["data"]["object"]["amount"]) == (
        "refund.succeeded",
        "refund",
        "49.99",
    )


def test_a_redelivered_event_makes_no_second_webhook(endpoint, post_payment):
    tx_id = _pay_and_record(post_payment)
    record_webhook_events([e.envelope for e in OutboxEvent.objects.filter(key=tx_id)])

    assert WebhookEvent.objects.count() == 1 and WebhookDelivery.objects.count() == 1


def test_a_failing_receiver_is_retried_with_the_same_event_until_it_recovers(
    endpoint, receiver, post_payment, settings
):
    receiver.answers.extend([500, 503])
    _pay_and_record(post_payment)

    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(3):
            deliver_due()
            assert deliver_due() == 0  # backing off
            clock.shift(timedelta(seconds=settings.OUTBOUND_WEBHOOKS_BACKOFF_MAX_SECONDS))

    assert len(receiver.requests) == 3
    assert len({r["body"] for r in receiver.requests}) == 1  # one event id, one body
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("succeeded", 3, 200)


def test_backoff_grows_with_jitter_up_to_its_cap(settings):
    from outbound.channels import Policy
    from outbound.engine import backoff_seconds

    settings.OUTBOUND_WEBHOOKS_BACKOFF_BASE_SECONDS, settings.OUTBOUND_WEBHOOKS_BACKOFF_MAX_SECONDS = 30, 3600
    policy = Policy.of("webhooks")
    first, fifth, late = backoff_seconds(policy, 1), backoff_seconds(policy, 5), backoff_seconds(policy, 30)
    assert 15 <= first <= 30 and 240 <= fifth <= 480 and 1800 <= late <= 3600


def test_after_three_days_of_failures_the_endpoint_is_disabled_and_an_alert_fires(endpoint, receiver, post_payment):
    call_command("load_alert_rules")
    receiver.answers.extend([500] * 5)
    _pay_and_record(post_payment)
    deliver_due()

    with time_machine.travel(timezone.now() + timedelta(hours=72, minutes=1)):
        assert deliver_due() == 1
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("failed", 2)
    assert WebhookEndpoint.objects.get().status == "disabled"
    disabled = OutboxEvent.objects.get(event_type="webhooks.endpoint_disabled")
    evaluate_event(disabled.envelope)
    assert Incident.objects.get().rule.name == "webhook-endpoint-disabled"


def test_a_delivery_is_sent_again_on_request_and_a_disabled_endpoint_refuses(api, endpoint, receiver, post_payment):
    _pay_and_record(post_payment)
    deliver_due()
    delivery_id = api.get(f"/webhook_endpoints/{endpoint['id']}/deliveries").json()["data"][0]["id"]

    again = _post(api, f"/webhook_deliveries/{delivery_id}/retry")
    assert again.status_code == 202 and again.json()["attempts"] == 2  # sent at once here: tasks run eagerly
    assert receiver.requests[0]["body"] == receiver.requests[1]["body"]

    WebhookEndpoint.objects.update(status="disabled")
    refused = _post(api, f"/webhook_deliveries/{delivery_id}/retry")
    assert refused.status_code == 409 and error_of(refused)["code"] == "delivery_not_retryable"


def test_a_retry_whose_endpoint_is_deleted_meanwhile_answers_404(api, endpoint, receiver, post_payment, monkeypatch):
    """Another request deletes the endpoint (its deliveries with it) while the retry is being sent:
    schemathesis's two clients found this answered 500."""
    _pay_and_record(post_payment)
    deliver_due()
    delivery_id = api.get(f"/webhook_endpoints/{endpoint['id']}/deliveries").json()["data"][0]["id"]
    send_now = engine.send_now

    def sent_then_deleted(channel, message_id):
        queued = send_now(channel, message_id)
        assert api.delete(f"/webhook_endpoints/{endpoint['id']}").status_code == 204
        return queued

    monkeypatch.setattr(engine, "send_now", sent_then_deleted)
    retry = _post(api, f"/webhook_deliveries/{delivery_id}/retry")
    assert retry.status_code == 404 and error_of(retry)["code"] == "resource_not_found"


def test_a_rotated_secret_signs_beside_the_new_one_for_a_day(api, endpoint, receiver, post_payment):
    rotated = _post(api, f"/webhook_endpoints/{endpoint['id']}/rotate_secret").json()
    assert rotated["secret"] != endpoint["secret"]
    _pay_and_record(post_payment)
    deliver_due()
    sent = receiver.requests[0]
    assert sent["headers"][HEADER].count("v1=") == 2
    for secret in (endpoint["secret"], rotated["secret"]):
        assert verify(header=sent["headers"][HEADER], body=sent["body"], secret=secret)

    with time_machine.travel(timezone.now() + timedelta(hours=24, minutes=1)):
        _post(api, f"/webhook_deliveries/{WebhookDelivery.objects.get().id}/retry")
        late = receiver.requests[1]
        assert late["headers"][HEADER].count("v1=") == 1
        assert verify(header=late["headers"][HEADER], body=late["body"], secret=rotated["secret"])
        assert not verify(header=late["headers"][HEADER], body=late["body"], secret=endpoint["secret"])


def test_the_readme_verification_snippet_accepts_a_real_delivery_and_nothing_else(endpoint, receiver, post_payment):
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("<!-- webhook-verify:start -->", 1)[1].split("<!-- webhook-verify:end -->", 1)[0]
    snippet = section.split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict = {}
    exec(snippet, namespace)
    _pay_and_record(post_payment)
    deliver_due()
    [sent] = receiver.requests

    readme_verify = namespace["verify"]
    assert readme_verify(sent["headers"][HEADER], sent["body"].encode(), endpoint["secret"])
    assert not readme_verify(sent["headers"][HEADER], sent["body"].encode() + b" ", endpoint["secret"])
    assert not readme_verify(sent["headers"][HEADER], sent["body"].encode(), "whsec_wrong")
