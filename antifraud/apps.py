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
