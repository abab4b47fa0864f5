from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AntifraudConfig(AppConfig):
    name = "antifraud"
    verbose_name = "Anti-fraud"

    def ready(self) -> None:
        from . import handlers  # noqa: F401 - registers the event handlers
        from .roles import sync_roles

        # After every app's post_migrate, so permissions of apps listed later exist too.
        post_migrate.connect(sync_roles, dispatch_uid="antifraud.sync_roles")
        self._reload_rules_on_change()

    @staticmethod
    def _reload_rules_on_change() -> None:
        """Rules and thresholds are kept in each worker's memory: any change (admin, YAML load, shell) reloads them."""
        from django.db.models.signals import post_delete, post_save

        from .models import FraudRule, RiskThresholds
        from .scoring import forget_rule_sets

        def forget(**_: object) -> None:
            forget_rule_sets()

        for model in (FraudRule, RiskThresholds):
            post_save.connect(forget, sender=model, weak=False, dispatch_uid=f"forget-rules-{model.__name__}")
            post_delete.connect(forget, sender=model, weak=False, dispatch_uid=f"forget-rules-del-{model.__name__}")
