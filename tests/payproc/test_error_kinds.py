"""Domain errors carry no HTTP: each kind gets its status and type in payproc/http/errors.py alone."""

import ast
from pathlib import Path

import pytest

from alerts.errors import IncidentStateError, InvalidWebhookSecret, WebhookNotConfigured
from antifraud.errors import AnalyticsUnavailable, ProposalOutdated, ReasonRequired, SelfApproval
from payproc.http.errors import RequestTooLarge, status_of, type_of
from transactions.errors import (
    CurrencyUnsupported,
    IdempotencyKeyReused,
    IdempotencyRequestInFlight,
    PaymentNotRefundable,
    ProviderDown,
    ProviderRefused,
)
from webhooks.errors import DeliveryNotRetryable

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("error", "status", "error_type"),
    [
        (CurrencyUnsupported, 400, "invalid_request_error"),
        (ReasonRequired, 400, "invalid_request_error"),
        (InvalidWebhookSecret, 401, "authentication_error"),
        (ProviderRefused, 402, "invalid_request_error"),
        (SelfApproval, 403, "permission_error"),
        (WebhookNotConfigured, 403, "permission_error"),
        (PaymentNotRefundable, 409, "invalid_request_error"),
        (ProposalOutdated, 409, "invalid_request_error"),
        (IncidentStateError, 409, "invalid_request_error"),
        (DeliveryNotRetryable, 409, "invalid_request_error"),
        (IdempotencyRequestInFlight, 409, "idempotency_error"),
        (IdempotencyKeyReused, 422, "idempotency_error"),
        (RequestTooLarge, 413, "invalid_request_error"),
        (ProviderDown, 503, "api_error"),
        (AnalyticsUnavailable, 503, "api_error"),
    ],
)
def test_each_kind_of_error_has_its_status_and_type(error, status, error_type):
    assert (status_of(error()), type_of(error())) == (status, error_type)


def test_no_app_module_outside_the_http_edge_imports_the_http_errors():
    offenders = []
    for app in ("access", "alerts", "antifraud", "audit", "eventbus", "transactions", "webhooks"):
        for path in (ROOT / app).rglob("*.py"):
            if "api" in path.parts or "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.ImportFrom) and node.module == "payproc.http.errors":
                    offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
