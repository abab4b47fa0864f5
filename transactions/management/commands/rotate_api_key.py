from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.services import command_actor
from transactions.api_keys import rotate_api_key
from transactions.models import ApiKey


class Command(BaseCommand):
    help = "Issue a replacement for an API key (by prefix); the old key keeps working for the overlap, then expires."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("prefix")
        parser.add_argument(
            "--overlap-hours", type=float, default=None, help="Default: API_KEY_ROTATION_OVERLAP_HOURS."
        )

    def handle(self, *args: Any, prefix: str, overlap_hours: float | None, **options: Any) -> None:
        keys = list(ApiKey.objects.filter(prefix=prefix, revoked_at__isnull=True))
        if len(keys) != 1:
            raise CommandError(f"{len(keys)} active keys have the prefix {prefix!r}; rotate in the admin instead.")
        hours = settings.API_KEY_ROTATION_OVERLAP_HOURS if overlap_hours is None else overlap_hours
        issued = rotate_api_key(api_key=keys[0], overlap=timedelta(hours=hours), actor=command_actor())
        keys[0].refresh_from_db()
        self.stdout.write(f"old key {prefix}… expires at {keys[0].expires_at.isoformat()}")
        self.stdout.write(f"prefix={issued.api_key.prefix}")
        self.stdout.write(f"api_key={issued.secret}")
