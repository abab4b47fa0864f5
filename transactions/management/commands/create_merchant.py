from django.core.management.base import BaseCommand, CommandParser

from audit.services import command_actor
from transactions.api_keys import KEY_MODES, create_merchant


class Command(BaseCommand):
    help = "Create a merchant and print its API key (shown once, stored only as a hash)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("--mode", choices=KEY_MODES, default=None, help="Key prefix: sk_test_ or sk_live_.")

    def handle(self, *args: object, name: str, mode: str | None, **options: object) -> None:
        merchant, issued = create_merchant(name=name, mode=mode, actor=command_actor())
        self.stdout.write(f"merchant_id={merchant.id}")
        self.stdout.write(f"api_key={issued.secret}")
