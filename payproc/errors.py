"""Domain errors: a failure the caller can act on, with a stable `code` and a message; nothing about HTTP.

Each app's errors.py subclasses one of the kinds below. How a kind leaves the API (status and the
uniform error object's `type`) is decided in one place, payproc/http/errors.py; the console shows the
message. Anchors: HackSoft's `ApplicationError`, Saleor's `error_codes`.
"""


class DomainError(Exception):
    """The request cannot be carried out as asked (invalid input, by default)."""

    code = "invalid_request"
    default_message = "The request is invalid."

    def __init__(self, message: str | None = None, *, param: str | None = None) -> None:
        self.message = message or self.default_message
        self.param = param
        super().__init__(self.message)


class NotFound(DomainError):
    code = "resource_not_found"
    default_message = "No such resource."


class Conflict(DomainError):
    """Not in the current state of things (a payment's status, a proposal already decided)."""


class Unprocessable(DomainError):
    """Well formed, but it contradicts what was asked before (an idempotency key on another request)."""


class Declined(DomainError):
    """A third party (the payment provider) answered no."""


class Forbidden(DomainError):
    """The caller is known but may not do this."""


class Unauthenticated(DomainError):
    """The caller could not be identified (a webhook without the right secret)."""


class Unavailable(DomainError):
    """A dependency did not answer; nothing was changed, so retrying is safe."""


class IdempotencyError(DomainError):
    """About an Idempotency-Key rather than the request itself (combine with a kind above)."""
