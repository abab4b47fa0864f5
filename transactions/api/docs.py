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
