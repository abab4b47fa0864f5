from django.apps import AppConfig


class TransactionsConfig(AppConfig):
    name = "transactions"
    verbose_name = "Payments"

    def ready(self) -> None:
        from . import handlers  # noqa: F401 - registers the event handlers
        from .api import schema  # noqa: F401 - registers the OpenAPI auth extension
