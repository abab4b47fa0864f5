"""Production settings send webhooks only to https:// URLs with public addresses (no SSRF)."""

import json

import pytest

from tests.conftest import error_of
from tests.webhooks.conftest import deliver_due
from webhooks.addresses import check_url
from webhooks.errors import WebhookUrlRefused


@pytest.fixture(autouse=True)
def production_rules(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
    settings.WEBHOOK_ALLOWED_HOSTS = ["hooks.internal.example"]


@pytest.mark.parametrize(
    "url",
    [
        "http://93.184.216.34/hooks",  # plain http
        "https://127.0.0.1/hooks",
        "https://localhost/hooks",
        "https://10.1.2.3/hooks",
        "https://192.168.0.10:8443/hooks",
        "https://169.254.169.254/latest/meta-data",  # cloud metadata
        "https://[::1]/hooks",
        "https://[fd00::1]/hooks",
        "https://0.0.0.0/hooks",
        "https://no-such-host.invalid/hooks",
    ],
)
def test_private_loopback_metadata_and_unresolvable_addresses_are_refused(url):
    with pytest.raises(WebhookUrlRefused):
        check_url(url)


def test_public_addresses_and_listed_hosts_are_accepted():
    check_url("https://93.184.216.34/hooks")
    check_url("https://[2606:2800:220:1:248:1893:25c8:1946]/hooks")
    check_url("https://hooks.internal.example/payproc")  # listed in WEBHOOK_ALLOWED_HOSTS
    check_url("http://hooks.internal.example/payproc")  # the operator's own receiver, inside its network


def test_the_api_refuses_a_private_endpoint(api):
    response = api.post(
        "/webhook_endpoints",
        data=json.dumps({"url": "https://127.0.0.1:9000/hooks", "events": ["*"]}),
        content_type="application/json",
    )
    assert response.status_code == 400 and error_of(response)["code"] == "webhook_url_refused"


def test_a_delivery_to_an_address_that_turned_private_is_not_sent(api, receiver, settings, post_payment):
    from antifraud.services.decisions import decide_transaction
    from eventbus.models import OutboxEvent
    from webhooks.handlers import record_webhook_events
    from webhooks.models import WebhookDelivery

    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True  # saved while allowed (or while the host resolved publicly)
    api.post(
        "/webhook_endpoints", data=json.dumps({"url": receiver.url, "events": ["*"]}), content_type="application/json"
    )
    tx_id = post_payment().json()["id"]
    decide_transaction(transaction_id=tx_id)
    record_webhook_events([e.envelope for e in OutboxEvent.objects.filter(key=tx_id)])

    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
    deliver_due()
    assert receiver.requests == []
    assert "must use https" in WebhookDelivery.objects.get().last_error


@pytest.mark.parametrize("url", ["http://[0]", "https://[zz::1]/h", "https://shop.example.com:99999/h"])
def test_malformed_urls_are_refused_not_a_server_error(url, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    with pytest.raises(WebhookUrlRefused, match="not a valid URL"):
        check_url(url)
