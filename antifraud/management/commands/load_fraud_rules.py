from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from antifraud.rules_yaml import load_rules


class Command(BaseCommand):
    help = "Create or update the global fraud rules and thresholds from YAML (default config/antifraud_rules.yaml)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", default=None)

    def handle(self, *args: Any, path: str | None, **options: Any) -> None:
        count = load_rules(path or settings.FRAUD_RULES_FILE, actor="manage.py load_fraud_rules")
        self.stdout.write(f"loaded {count} rules")
