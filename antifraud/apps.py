from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AntifraudConfig(AppConfig):
    name = "antifraud"
    verbose_name = "Anti-fraud"

    def ready(self) -> None:
        from payproc.cache_versions import on_change
        from payproc.observability.collectors import DATABASE_REGISTRY

        from . import handlers  # noqa: F401 - registers the event handlers
        from .learning.drift import ModelDriftCollector
        from .models import FraudRule, RiskThresholds
        from .roles import sync_roles
        from .scoring import forget_rule_sets

        # After every app's post_migrate, so permissions of apps listed later exist too.
        post_migrate.connect(sync_roles, dispatch_uid="antifraud.sync_roles")
        # Rules and thresholds are kept in each worker's memory: any change reloads them everywhere.
        on_change(FraudRule, RiskThresholds, call=forget_rule_sets)
        DATABASE_REGISTRY.register(ModelDriftCollector())
