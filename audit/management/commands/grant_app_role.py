"""`manage.py grant_app_role ROLE`: what the application's database role may do (audit/db_roles.py).
Run as the schema's owner after every migrate; the image's `migrate` role does when DATABASE_APP_ROLE
is set."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from audit.db_roles import grant_app_role


class Command(BaseCommand):
    help = "Grant the application's database role its privileges: read and append only on the audit log."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("role")

    def handle(self, *args: Any, role: str, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("Database roles are PostgreSQL's: nothing to grant on this database.")
        grant_app_role(role)
        self.stdout.write(f"{role}: tables read and written, the audit log read and appended to only.")
