from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "alerts"
    verbose_name = "Alerts"

    def ready(self) -> None:
        from outbound.channels import register
        from payproc.cache_versions import on_change

        from . import evaluation  # noqa: F401 - registers the rule evaluator as an event handler
        from .channel import NotificationChannel
        from .models import AlertRule, EscalationLevel, EscalationPolicy
        from .services import forget_alert_rules

        # Evaluators keep the enabled rules in memory: any change to a rule or its policy drops every copy.
        on_change(AlertRule, EscalationPolicy, EscalationLevel, call=forget_alert_rules)
        register(NotificationChannel())
