from typing import Any

from django.core.management.base import BaseCommand

from alerts.rules_yaml import export_alert_rules


class Command(BaseCommand):
    help = "Print alert rules and escalation policies as YAML (the format load_alert_rules reads)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(export_alert_rules(), ending="")
