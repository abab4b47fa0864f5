"""Errors of the alert service: its webhooks' (rendered as the uniform error object) and incidents'."""

from payproc.errors import Conflict, Forbidden, Unauthenticated


class InvalidWebhookSecret(Unauthenticated):
    code = "invalid_webhook_secret"
    default_message = "Missing or wrong webhook secret."


class WebhookNotConfigured(Forbidden):
    code = "webhook_not_configured"
    default_message = "This webhook is not configured on this server (its secret is not set)."


class IncidentStateError(Conflict):
    """The incident is no longer in a state that allows the action (e.g. someone acknowledged it first)."""

    code = "incident_state"
