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


@dataclass(frozen=True, slots=True)
class Operation:
    """A capture, cancellation or refund of an authorized payment."""

    transaction_id: str
    operation_id: str  # the idempotency key at the provider: "<payment id>:capture", a refund's id, ...
    amount_minor: int
    currency: str
    card_last4: str


@dataclass(frozen=True, slots=True)
class OperationResult:
    succeeded: bool
    failure_reason: str = ""
    reference: str = ""


class PaymentProvider(Protocol):
    name: str

    def authorize(self, request: AuthorizationRequest) -> Authorization:
        """Approve or decline; raise ProviderUnavailable when there is no answer."""
        ...

    def capture(self, request: Operation) -> OperationResult:
        """Take `amount_minor` of an authorization; raise ProviderUnavailable when there is no answer."""
        ...

    def cancel(self, request: Operation) -> OperationResult:
        """Release an authorization that will not be captured."""
        ...

    def refund(self, request: Operation) -> OperationResult:
        """Return `amount_minor` of a captured payment to the card."""
        ...


# Sandbox outcomes by the card's last four digits (see README, "Sandbox test cards").
SANDBOX_DECLINES = {"0002": "do_not_honor", "9995": "insufficient_funds", "9979": "stolen_card"}
SANDBOX_FAILURES = {"0119": "processing_error", "0341": "provider_timeout"}
SANDBOX_REFUND_FAILURES = {"0705": "refund_declined"}  # authorizes and captures; its refunds fail


class SandboxProvider:
    name = "sandbox"

    def authorize(self, request: AuthorizationRequest) -> Authorization:
        if request.card_last4 in SANDBOX_FAILURES:
            raise ProviderUnavailable(SANDBOX_FAILURES[request.card_last4])
        if request.card_last4 in SANDBOX_DECLINES:
            return Authorization(approved=False, decline_reason=SANDBOX_DECLINES[request.card_last4])
        return Authorization(approved=True, reference=f"sandbox_{request.transaction_id}")

    def capture(self, request: Operation) -> OperationResult:
        return OperationResult(succeeded=True, reference=f"sandbox_{request.operation_id}")

    def cancel(self, request: Operation) -> OperationResult:
        return OperationResult(succeeded=True, reference=f"sandbox_{request.operation_id}")

    def refund(self, request: Operation) -> OperationResult:
        if request.card_last4 in SANDBOX_REFUND_FAILURES:
            return OperationResult(succeeded=False, failure_reason=SANDBOX_REFUND_FAILURES[request.card_last4])
        return OperationResult(succeeded=True, reference=f"sandbox_{request.operation_id}")


def get_provider() -> PaymentProvider:
    if settings.PAYMENT_PROVIDER == "sandbox":
        return SandboxProvider()
    if settings.PAYMENT_PROVIDER == "http":
        from .http_provider import HttpProvider

        return HttpProvider(base_url=settings.PROVIDER_HTTP_URL, api_key=settings.PROVIDER_HTTP_API_KEY)
    raise ValueError(f"unknown PAYMENT_PROVIDER {settings.PAYMENT_PROVIDER!r}")
