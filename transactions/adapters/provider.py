"""The payment provider port, and the sandbox provider with documented test cards.

payproc never holds the full card number, so the provider sees the card summary; a real provider
integration receives a vault token in its place (the HTTP adapter's concern).
"""

from dataclasses import dataclass
from typing import Protocol

from django.conf import settings


class ProviderUnavailable(Exception):
    """The provider could not be reached or did not answer in time: the payment fails, it is not declined."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True, slots=True)
class Authorization:
    approved: bool
    decline_reason: str = ""
    reference: str = ""


@dataclass(frozen=True, slots=True)
class AuthorizationRequest:
    transaction_id: str  # also the idempotency key at the provider
    merchant_id: str
    amount_minor: int
    currency: str
    card_brand: str
    card_bin: str
    card_last4: str
    card_fingerprint: str


class PaymentProvider(Protocol):
    name: str

    def authorize(self, request: AuthorizationRequest) -> Authorization:
        """Approve or decline; raise ProviderUnavailable when there is no answer."""
        ...


# Sandbox outcomes by the card's last four digits (see README, "Sandbox test cards").
SANDBOX_DECLINES = {"0002": "do_not_honor", "9995": "insufficient_funds"}
SANDBOX_FAILURES = {"0119": "processing_error", "0341": "provider_timeout"}


class SandboxProvider:
    name = "sandbox"

    def authorize(self, request: AuthorizationRequest) -> Authorization:
        if request.card_last4 in SANDBOX_FAILURES:
            raise ProviderUnavailable(SANDBOX_FAILURES[request.card_last4])
        if request.card_last4 in SANDBOX_DECLINES:
            return Authorization(approved=False, decline_reason=SANDBOX_DECLINES[request.card_last4])
        return Authorization(approved=True, reference=f"sandbox_{request.transaction_id}")


def get_provider() -> PaymentProvider:
    if settings.PAYMENT_PROVIDER == "sandbox":
        return SandboxProvider()
    if settings.PAYMENT_PROVIDER == "http":
        from .http_provider import HttpProvider

        return HttpProvider(base_url=settings.PROVIDER_HTTP_URL, api_key=settings.PROVIDER_HTTP_API_KEY)
    raise ValueError(f"unknown PAYMENT_PROVIDER {settings.PAYMENT_PROVIDER!r}")
