from django.apps import AppConfig


class TransactionsConfig(AppConfig):
    name = "transactions"
    verbose_name = "Payments"

    def ready(self) -> None:
        from payproc.cache_versions import on_change

        from . import handlers  # noqa: F401 - registers the event handlers
        from .api import schema  # noqa: F401 - registers the OpenAPI auth extension
        from .key_cache import forget_keys
        from .models import ApiKey, Merchant

        # Any saved or deleted key or merchant invalidates every process's key cache.
        on_change(ApiKey, Merchant, call=forget_keys)
