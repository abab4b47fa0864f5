"""Errors of the alert service's webhooks, rendered as the uniform error object."""

from payproc.http.errors import AUTHENTICATION, PERMISSION, DomainError


class InvalidWebhookSecret(DomainError):
    status_code = 401
    error_type = AUTHENTICATION
    code = "invalid_webhook_secret"
    default_message = "Missing or wrong webhook secret."


class WebhookNotConfigured(DomainError):
    status_code = 403
    error_type = PERMISSION
    code = "webhook_not_configured"
    default_message = "This webhook is not configured on this server (its secret is not set)."
