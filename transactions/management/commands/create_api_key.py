from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.services import command_actor
from transactions.api_keys import KEY_MODES, issue_api_key
from transactions.models import Merchant


class Command(BaseCommand):
    help = "Issue another API key for an existing merchant and print it (shown once, stored only as a hash)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("merchant_id")
        parser.add_argument("--name", default="", help="What the key is for, e.g. 'checkout'.")
        parser.add_argument("--mode", choices=KEY_MODES, default=None, help="Key prefix: sk_test_ or sk_live_.")

    def handle(self, *args: object, merchant_id: str, name: str, mode: str | None, **options: object) -> None:
        try:
            merchant = Merchant.objects.get(pk=merchant_id)
        except (Merchant.DoesNotExist, ValidationError):
            raise CommandError(f"no merchant {merchant_id!r}") from None
        issued = issue_api_key(merchant=merchant, name=name, mode=mode, actor=command_actor())
        self.stdout.write(f"prefix={issued.api_key.prefix}")
        self.stdout.write(f"api_key={issued.secret}")
