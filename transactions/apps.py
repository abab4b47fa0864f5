from django.apps import AppConfig


class TransactionsConfig(AppConfig):
    name = "transactions"
    verbose_name = "Payments"

    def ready(self) -> None:
        from . import handlers  # noqa: F401 - registers the event handlers
        from .api import schema  # noqa: F401 - registers the OpenAPI auth extension

        self._forget_cached_keys_on_change()

    @staticmethod
    def _forget_cached_keys_on_change() -> None:
        """Any saved or deleted key or merchant (service, admin, shell) invalidates every process's key cache."""
        from django.db.models.signals import post_delete, post_save

        from .key_cache import forget_keys
        from .models import ApiKey, Merchant

        def forget(**_: object) -> None:
            forget_keys()

        for model in (ApiKey, Merchant):
            post_save.connect(forget, sender=model, weak=False, dispatch_uid=f"forget-keys-{model.__name__}")
            post_delete.connect(forget, sender=model, weak=False, dispatch_uid=f"forget-keys-del-{model.__name__}")
