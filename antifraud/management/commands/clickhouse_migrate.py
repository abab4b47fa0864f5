from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from antifraud.adapters.clickhouse import ClickHouseAnalytics


class Command(BaseCommand):
    help = "Apply ClickHouse migrations (config/clickhouse/migrations/*.sql) not applied yet. Safe to repeat."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.CLICKHOUSE_URL:
            raise CommandError("CLICKHOUSE_URL is not set: the embedded default keeps analytics in the main database.")
        store = ClickHouseAnalytics.from_url(settings.CLICKHOUSE_URL)
        applied = store.migrate()
        self.stdout.write(f"applied {len(applied)}: {', '.join(applied) or 'nothing new'}")
