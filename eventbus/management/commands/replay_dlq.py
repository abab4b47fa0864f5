from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from eventbus.dead_letters import replay_dead_letters


class Command(BaseCommand):
    help = "Put dead-lettered events back on their topics (reads <topic>.dlq until it is idle)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--topic", action="append", dest="topics", help="Source topic (repeatable).")
        parser.add_argument("--group", default="payproc-dlq-replay")
        parser.add_argument("--idle-seconds", type=float, default=3.0)

    def handle(self, *args: Any, topics: list[str] | None, group: str, idle_seconds: float, **options: Any) -> None:
        if not settings.KAFKA_BOOTSTRAP_SERVERS:
            raise CommandError("KAFKA_BOOTSTRAP_SERVERS is not set: dead letters live on Kafka.")
        result = replay_dead_letters(
            topics=topics or settings.EVENT_BRIDGE_TOPICS, group_id=group, idle_seconds=idle_seconds
        )
        self.stdout.write(f"replayed={result.replayed} skipped={result.skipped}")
