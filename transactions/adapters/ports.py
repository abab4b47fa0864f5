"""The payment provider port: what payproc asks a provider and what it answers.

payproc never holds the full card number, so the provider sees the card summary; a real provider
integration receives a vault token in its place (the HTTP adapter's concern).
"""

from dataclasses import dataclass
from typing import Protocol


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
