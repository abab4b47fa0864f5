from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.services import command_actor
from transactions.api_keys import revoke_api_key
from transactions.models import ApiKey


class Command(BaseCommand):
    help = "Revoke an API key by its visible prefix (e.g. sk_live_AbCd); requests with it get 401 at once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("prefix")

    def handle(self, *args: Any, prefix: str, **options: Any) -> None:
        keys = list(ApiKey.objects.filter(prefix=prefix, revoked_at__isnull=True))
        if len(keys) != 1:
            raise CommandError(f"{len(keys)} active keys have the prefix {prefix!r}; revoke in the admin instead.")
        revoke_api_key(api_key=keys[0], actor=command_actor())
        self.stdout.write(f"revoked {prefix}… of {keys[0].merchant}")
