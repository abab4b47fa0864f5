"""Webhook errors, each with a stable `code`."""

from payproc.errors import Conflict, DomainError


class WebhookUrlRefused(DomainError):
    code = "webhook_url_refused"


class UnknownEventType(DomainError):
    code = "unknown_event_type"


class DeliveryNotRetryable(Conflict):
    code = "delivery_not_retryable"


class EndpointLimitReached(Conflict):
    code = "endpoint_limit_reached"
