"""Webhook errors, each with a stable `code`."""

from payproc.http.errors import DomainError


class WebhookUrlRefused(DomainError):
    code = "webhook_url_refused"


class UnknownEventType(DomainError):
    code = "unknown_event_type"


class DeliveryNotRetryable(DomainError):
    status_code = 409
    code = "delivery_not_retryable"
