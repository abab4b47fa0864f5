"""Payment domain errors; each has a stable `code` that clients may branch on."""

from payproc.http.errors import API_ERROR, IDEMPOTENCY, DomainError


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


class IllegalTransition(DomainError):
    status_code = 409
    code = "illegal_transition"


class IdempotencyKeyReused(DomainError):
    status_code = 422
    error_type = IDEMPOTENCY
    code = "idempotency_key_reused"
    default_message = "This Idempotency-Key was already used with a different request body."


class IdempotencyRequestInFlight(DomainError):
    status_code = 409
    error_type = IDEMPOTENCY
    code = "idempotency_request_in_progress"
    default_message = "A request with this Idempotency-Key is still being processed; retry shortly."


class CvvInvalid(DomainError):
    code = "invalid_cvv"


class PaymentNotCapturable(DomainError):
    status_code = 409
    code = "payment_not_capturable"


class PaymentNotCancelable(DomainError):
    status_code = 409
    code = "payment_not_cancelable"


class PaymentNotRefundable(DomainError):
    status_code = 409
    code = "payment_not_refundable"


# 409: whether an amount is too much depends on the payment's state (what was authorized, what is left).
class AmountExceedsAuthorized(DomainError):
    status_code = 409
    code = "amount_exceeds_authorized"


class AmountExceedsRefundable(DomainError):
    status_code = 409
    code = "amount_exceeds_refundable"


class ProviderRefused(DomainError):
    """The provider answered no to a capture or cancellation (a refund records its failure instead)."""

    status_code = 402
    code = "provider_declined"


class ProviderDown(DomainError):
    status_code = 503
    error_type = API_ERROR
    code = "provider_unavailable"
    default_message = "The payment provider did not answer; nothing was changed. Retry with the same Idempotency-Key."
