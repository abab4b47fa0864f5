"""Fixtures of the payments tests."""

import socket

import pytest

from transactions.adapters.http_provider import reset_circuit_breaker


@pytest.fixture
def provider_down(settings):
    """The HTTP provider adapter pointed at a port nobody listens on: a real refused connection."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.PAYMENT_PROVIDER = "http"
    settings.PROVIDER_HTTP_URL = f"http://127.0.0.1:{port}"
    settings.PROVIDER_RETRIES = 0
    reset_circuit_breaker()
    yield
    reset_circuit_breaker()
