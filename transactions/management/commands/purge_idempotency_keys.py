from django.core.management.base import BaseCommand

from transactions.idempotency import purge_expired_keys


class Command(BaseCommand):
    help = "Delete Idempotency-Key records older than IDEMPOTENCY_KEY_TTL_SECONDS."

    def handle(self, *args: object, **options: object) -> None:
        self.stdout.write(f"deleted={purge_expired_keys()}")
