from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from antifraud.models import ListEntry, ListKind, ListType
from antifraud.services.lists import add_list_entry, normalise_entry, remove_list_value
from audit.services import command_actor


class Command(BaseCommand):
    help = "Manage block and allow lists: fraud_list add|remove block|allow KIND VALUE [--reason R]; fraud_list show."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["add", "remove", "show"])
        parser.add_argument("list_type", nargs="?", choices=ListType.values)
        parser.add_argument("kind", nargs="?", choices=ListKind.values)
        parser.add_argument("value", nargs="?")
        parser.add_argument("--reason", default="")

    def handle(
        self,
        *args: Any,
        action: str,
        list_type: str | None,
        kind: str | None,
        value: str | None,
        reason: str,
        **options: Any,
    ) -> None:
        if action == "show":
            for entry in ListEntry.objects.order_by("list_type", "kind", "value"):
                self.stdout.write(f"{entry.list_type}\t{entry.kind}\t{entry.value}\t{entry.reason}")
            return
        if not (list_type and kind and value):
            raise CommandError("add and remove need LIST_TYPE KIND VALUE")
        try:
            normalised = normalise_entry(kind, value)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if action == "add":
            add_list_entry(list_type=list_type, kind=kind, value=value, reason=reason, created_by=command_actor())
            self.stdout.write(f"added {list_type} {kind} {normalised}")
        else:
            removed = remove_list_value(list_type=list_type, kind=kind, value=value, actor=command_actor())
            self.stdout.write(f"removed {removed}")
