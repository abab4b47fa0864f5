from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from antifraud.rules_yaml import load_rules


class Command(BaseCommand):
    help = "Create or update fraud rules and thresholds from YAML (default config/antifraud_rules.yaml)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", default=None)

    def handle(self, *args: Any, path: str | None, **options: Any) -> None:
        try:
            count = load_rules(path or settings.FRAUD_RULES_FILE, actor="manage.py load_fraud_rules")
        except ValidationError as exc:
            raise CommandError("the rules were not loaded:\n  " + "\n  ".join(exc.messages)) from exc
        self.stdout.write(f"loaded {count} rules")
