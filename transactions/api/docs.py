"""OpenAPI pieces of the payments API: the Idempotency-Key header and the examples shown in Swagger UI
(the error object every API shares is in payproc/http/openapi.py)."""

from drf_spectacular.utils import OpenApiExample, OpenApiParameter

IDEMPOTENCY_KEY = OpenApiParameter(
    name="Idempotency-Key",
    location=OpenApiParameter.HEADER,
    required=False,
    description="Retry safely: the same key and body return the first response; kept 24 h per merchant.",
)

CREATE_EXAMPLE = OpenApiExample(
    "Card payment",
    request_only=True,
    value={
        "amount": "49.99",
        "currency": "USD",
        "card_number": "4242 4242 4242 4242",
        "expiry_month": 12,
        "expiry_year": 2034,
        "cvv": "123",
        "merchant_reference": "order-1001",
        "customer": {"email": "jane@example.com", "ip": "203.0.113.7", "country": "US"},
    },
)

TRANSACTION_EXAMPLE = OpenApiExample(
    "Pending payment",
    response_only=True,
    value={
        "id": "0b6f2f4e-8f0c-4a0e-9a55-3c1f6e2b7d11",
        "object": "transaction",
        "status": "pending",
        "amount": "49.99",
        "amount_minor": 4999,
        "currency": "USD",
        "capture_method": "automatic",
        "amount_captured": "0.00",
        "amount_captured_minor": 0,
        "amount_refunded": "0.00",
        "amount_refunded_minor": 0,
        "card": {
            "brand": "visa",
            "bin": "424242",
            "last4": "4242",
            "exp_month": 12,
            "exp_year": 2034,
            "fingerprint": "5d41402abc4b2a76b9719d911017c592…",
        },
        "merchant_reference": "order-1001",
        "description": "",
        "customer": {"email": "jane@example.com", "ip": "203.0.113.7", "country": "US"},
        "device_id": "",
        "metadata": {},
        "fraud": None,
        "outcome": None,
        "decline_reason": None,
        "created_at": "2026-11-24T12:00:00Z",
        "updated_at": "2026-11-24T12:00:00Z",
    },
)

ERROR_EXAMPLE = OpenApiExample(
    "Invalid card number",
    response_only=True,
    status_codes=["400"],
    value={
        "error": {
            "type": "invalid_request_error",
            "code": "invalid_card_number",
            "message": "card_number fails the Luhn check.",
            "param": "card_number",
            "request_id": "req_3f2c…",
        }
    },
)


def _error(name: str, status: str, code: str, message: str, param: str | None = None) -> OpenApiExample:
    error = {"type": "invalid_request_error", "code": code, "message": message, "request_id": "req_3f2c…"}
    if param:
        error["param"] = param
    return OpenApiExample(name, response_only=True, status_codes=[status], value={"error": error})


CAPTURE_EXAMPLE = OpenApiExample("Capture part of the authorization", request_only=True, value={"amount": "40.00"})

CAPTURED_EXAMPLE = OpenApiExample(
    "Captured payment",
    response_only=True,
    value=TRANSACTION_EXAMPLE.value
    | {
        "status": "approved",
        "capture_method": "manual",
        "amount_captured": "40.00",
        "amount_captured_minor": 4000,
        "updated_at": "2026-11-24T12:05:00Z",
    },
)

NOT_CAPTURABLE_EXAMPLE = _error(
    "Not authorized",
    "409",
    "payment_not_capturable",
    "A approved payment cannot be captured: only an authorized payment (capture_method manual) can.",
)

REFUND_EXAMPLE = OpenApiExample(
    "Partial refund", request_only=True, value={"amount": "10.00", "reason": "one item returned"}
)

REFUND_OUT_EXAMPLE = OpenApiExample(
    "Refund",
    response_only=True,
    value={
        "id": "5e0a3c1d-2b4f-4c8e-9d7a-1f6b2e3c4d5a",
        "object": "refund",
        "transaction_id": "0b6f2f4e-8f0c-4a0e-9a55-3c1f6e2b7d11",
        "status": "succeeded",
        "amount": "10.00",
        "amount_minor": 1000,
        "currency": "USD",
        "reason": "one item returned",
        "failure_reason": "",
        "created_at": "2026-11-25T09:00:00Z",
        "updated_at": "2026-11-25T09:00:00Z",
    },
)

REFUND_TOO_LARGE_EXAMPLE = _error(
    "More than is left to refund",
    "400",
    "amount_exceeds_refundable",
    "amount exceeds what is left to refund, 39.99 USD.",
    "amount",
)
