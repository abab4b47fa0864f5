from django.apps import AppConfig


class AntifraudConfig(AppConfig):
    name = "antifraud"
    verbose_name = "Anti-fraud"

    def ready(self) -> None:
        from . import handlers  # noqa: F401 - registers the event handlers
