from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "alerts"
    verbose_name = "Alerts"

    def ready(self) -> None:
        from . import evaluation  # noqa: F401 - registers the rule evaluator as an event handler
