"""Payment domain errors; each has a stable `code` that clients may branch on."""

from payproc.http.errors import IDEMPOTENCY, DomainError


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
