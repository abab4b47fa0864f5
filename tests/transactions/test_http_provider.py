"""The HTTP provider adapter against the sandbox provider served over a real HTTP connection."""

import socket

import pytest

from eventbus.models import OutboxEvent
from transactions.adapters.http_provider import HttpProvider, reset_circuit_breaker
from transactions.adapters.ports import AuthorizationRequest, ProviderUnavailable
from transactions.authorization import authorize_transaction
from transactions.events import CIRCUIT_OPEN


@pytest.fixture(autouse=True)
def fresh_breaker(settings):
    settings.PROVIDER_CIRCUIT_FAIL_MAX = 2
    settings.PROVIDER_CIRCUIT_RESET_SECONDS = 60
    settings.PROVIDER_RETRIES = 1
    reset_circuit_breaker()
    yield
    reset_circuit_breaker()


@pytest.fixture
def http_provider(settings, live_server):
    settings.PAYMENT_PROVIDER = "http"
    settings.PROVIDER_HTTP_URL = f"{live_server.url}/sandbox/provider"
    settings.PROVIDER_HTTP_API_KEY = "sandbox-key"
    return HttpProvider(base_url=settings.PROVIDER_HTTP_URL, api_key="sandbox-key")


def _request(last4: str = "4242", transaction_id: str = "8e0b0d4c-8a53-4a4f-9d8e-2f0e7f1c1111") -> AuthorizationRequest:
    return AuthorizationRequest(
        transaction_id=transaction_id,
        merchant_id="m",
        amount_minor=1000,
        currency="USD",
        card_brand="visa",
        card_bin="400000",
        card_last4=last4,
        card_fingerprint="f" * 64,
    )


def test_approval_and_issuer_decline_over_http(http_provider):
    assert http_provider.authorize(_request()).approved
    declined = http_provider.authorize(_request("9995", transaction_id="other"))
    assert (declined.approved, declined.decline_reason) == (False, "insufficient_funds")


def test_gateway_errors_are_retried_then_reported(http_provider):
    with pytest.raises(ProviderUnavailable) as raised:
        http_provider.authorize(_request("0119"))
    assert raised.value.reason == "provider_unavailable"


def test_timeout_is_reported_as_such(http_provider, settings):
    settings.PROVIDER_TIMEOUT_SECONDS = 0.3
    settings.SANDBOX_PROVIDER_DELAY_SECONDS = 1.0

    with pytest.raises(ProviderUnavailable) as raised:
        http_provider.authorize(_request("0341"))
    assert raised.value.reason == "provider_timeout"


def test_wrong_api_key_is_not_an_approval(http_provider, settings, live_server):
    provider = HttpProvider(base_url=settings.PROVIDER_HTTP_URL, api_key="wrong")

    with pytest.raises(ProviderUnavailable):
        provider.authorize(_request())


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens here once the socket closes


def test_open_circuit_fails_payments_fast_and_emits_one_event(settings, make_payment):
    settings.PAYMENT_PROVIDER = "http"
    settings.PROVIDER_HTTP_URL = f"http://127.0.0.1:{_closed_port()}"
    payments = [make_payment() for _ in range(4)]

    results = [authorize_transaction(transaction_id=tx.id) for tx in payments]

    assert [r.status for r in results] == ["failed"] * 4
    assert [r.decline_reason for r in results] == [
        "provider_unavailable",
        "provider_circuit_open",
        "provider_circuit_open",
        "provider_circuit_open",
    ]
    events = OutboxEvent.objects.filter(event_type=CIRCUIT_OPEN)
    assert events.count() == 1
    assert events.get().envelope["data"]["provider"] == "http"
