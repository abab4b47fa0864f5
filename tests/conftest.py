"""Shared fixtures. Tests run against the real PostgreSQL and Redis that scripts/services.sh provides."""

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django_redis import get_redis_connection
from rest_framework.test import APIClient

from transactions.api_keys import create_merchant
from transactions.services import Customer, PaymentRequest, create_transaction

pytest_plugins = ["tests.migration_fixtures"]


@pytest.fixture(autouse=True, scope="session")
def _live_server_without_nagle():
    """Django's test server writes a response's head and body in separate sends; with Nagle's algorithm the
    body then waits for the client's delayed ACK, 40 ms per request (the contract test spent most of its
    four minutes idle on it). TCP_NODELAY on the handler's socket sends both at once."""
    from django.core.servers.basehttp import WSGIRequestHandler

    WSGIRequestHandler.disable_nagle_algorithm = True


VISA = "4242424242424242"
AMEX = "378282246310005"


@pytest.fixture(autouse=True)
def clean_redis() -> None:
    """Each test starts with an empty cache and empty rate-limit buckets (test Redis database only)."""
    get_redis_connection("default").flushdb()


@pytest.fixture
def merchant_and_key(db: None) -> tuple[Any, str]:
    merchant, issued = create_merchant(name="Acme")
    return merchant, issued.secret


@pytest.fixture
def merchant(merchant_and_key: tuple[Any, str]) -> Any:
    return merchant_and_key[0]


@pytest.fixture
def api_key(merchant_and_key: tuple[Any, str]) -> str:
    return merchant_and_key[1]


@pytest.fixture
def api(api_key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key}")
    return client


def payment(**overrides: Any) -> dict[str, Any]:
    """A valid payment body; keyword arguments replace or (with None) remove fields."""
    body: dict[str, Any] = {
        "amount": "49.99",
        "currency": "USD",
        "card_number": VISA,
        "expiry_month": 12,
        "expiry_year": 2034,
        "cvv": "123",
        "merchant_reference": "order-1001",
        "customer": {"email": "jane@example.com", "ip": "203.0.113.7", "country": "US"},
    }
    for key, value in overrides.items():
        if value is None:
            body.pop(key, None)
        else:
            body[key] = value
    return body


@pytest.fixture
def post_payment(api: APIClient) -> Callable[..., Any]:
    def post(body: dict[str, Any] | None = None, *, idempotency_key: str | None = None, **overrides: Any) -> Any:
        headers = {"HTTP_IDEMPOTENCY_KEY": idempotency_key} if idempotency_key else {}
        return api.post(
            "/transaction",
            data=json.dumps(body if body is not None else payment(**overrides)),
            content_type="application/json",
            **headers,
        )

    return post


@pytest.fixture
def make_payment(merchant):
    """Create a pending payment directly through the service (as the API would)."""

    def make(**overrides: Any):
        body = payment(**overrides)
        customer = body.pop("customer", None) or {}
        body["amount"] = Decimal(str(body["amount"]))
        return create_transaction(merchant=merchant, payment=PaymentRequest(**body, customer=Customer(**customer)))

    return make


def error_of(response: Any) -> dict[str, Any]:
    """The uniform error object of a response, checked for its required members."""
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert {"type", "code", "message", "request_id"} <= set(error), error
    assert error["request_id"] == response["X-Request-ID"]
    return error
