from typing import Any

from django.core.management.base import BaseCommand

from antifraud.rules_yaml import export_rules


class Command(BaseCommand):
    help = "Print the live fraud rules and thresholds as YAML (the format load_fraud_rules reads)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(export_rules(), ending="")
