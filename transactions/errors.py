"""Payment domain errors; each has a stable `code` that clients may branch on."""

from payproc.errors import Conflict, Declined, DomainError, IdempotencyError, Unavailable, Unprocessable


class CurrencyUnsupported(DomainError):
    code = "currency_unsupported"


class AmountInvalid(DomainError):
    code = "invalid_amount"


class AmountTooPrecise(DomainError):
    code = "amount_too_precise"


class AmountTooLarge(DomainError):
    code = "amount_too_large"


class CardInvalid(DomainError):
    code = "invalid_card_number"


class CardExpired(DomainError):
    code = "card_expired"


class IllegalTransition(Conflict):
    code = "illegal_transition"


class IdempotencyKeyReused(Unprocessable, IdempotencyError):
    code = "idempotency_key_reused"
    default_message = "This Idempotency-Key was already used with a different request body."


class IdempotencyRequestInFlight(Conflict, IdempotencyError):
    code = "idempotency_request_in_progress"
    default_message = "A request with this Idempotency-Key is still being processed; retry shortly."


class CvvInvalid(DomainError):
    code = "invalid_cvv"


class PaymentNotCapturable(Conflict):
    code = "payment_not_capturable"


class PaymentNotCancelable(Conflict):
    code = "payment_not_cancelable"


class PaymentNotRefundable(Conflict):
    code = "payment_not_refundable"


# 409: whether an amount is too much depends on the payment's state (what was authorized, what is left).
class AmountExceedsAuthorized(Conflict):
    code = "amount_exceeds_authorized"


class AmountExceedsRefundable(Conflict):
    code = "amount_exceeds_refundable"


class ProviderRefused(Declined):
    """The provider answered no to a capture or cancellation (a refund records its failure instead)."""

    code = "provider_declined"


class ProviderDown(Unavailable):
    code = "provider_unavailable"
    default_message = "The payment provider did not answer; nothing was changed. Retry with the same Idempotency-Key."
