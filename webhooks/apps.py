from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        from outbound.channels import register

        from . import handlers  # noqa: F401 - registers the handler that turns payment events into webhooks
        from .channel import WebhookChannel

        register(WebhookChannel())
