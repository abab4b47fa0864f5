from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from alerts.matching import InvalidCondition
from alerts.rules_yaml import load_alert_rules
from audit.services import command_actor


class Command(BaseCommand):
    help = "Create or update alert rules and escalation policies from YAML (default config/alert_rules.yaml)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", default=None)

    def handle(self, *args: Any, path: str | None, **options: Any) -> None:
        try:
            policies, rules = load_alert_rules(path or settings.ALERT_RULES_FILE, actor=command_actor())
        except (InvalidCondition, KeyError) as exc:
            raise CommandError(f"invalid alert rules file: {exc}") from exc
        self.stdout.write(f"loaded {policies} escalation policies and {rules} alert rules")
