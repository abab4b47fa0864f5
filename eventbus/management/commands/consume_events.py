import logging
from typing import Any

from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from eventbus.consumer import build_bridge
from payproc.observability.process import serve_process_metrics
from payproc.processes import Pulse, freeze_startup_heap, stop_on_signals

logger = logging.getLogger("payproc.consumer")


class Command(BaseCommand):
    help = "Bridge Kafka events to Celery tasks; offsets are committed after the hand-off. Stops on SIGTERM."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--group", default=None, help="Consumer group (default KAFKA_CONSUMER_GROUP).")
        parser.add_argument("--topic", action="append", dest="topics", help="Topic to consume (repeatable).")

    def handle(self, *args: Any, group: str | None, topics: list[str] | None, **options: Any) -> None:
        if not settings.KAFKA_BOOTSTRAP_SERVERS:
            raise CommandError("KAFKA_BOOTSTRAP_SERVERS is not set: in the embedded default, events run in-process.")
        stop = stop_on_signals()
        serve_process_metrics("consumer")
        bridge = build_bridge(
            group_id=group or settings.KAFKA_CONSUMER_GROUP, topics=topics or settings.EVENT_BRIDGE_TOPICS
        )
        pulse = Pulse("consumer")
        freeze_startup_heap()
        failures = 0
        logger.info("consumer started")
        try:
            while not stop.is_set():
                pulse()
                try:
                    bridge.poll_once(timeout_ms=1000)
                    failures = 0
                except Exception as exc:  # noqa: BLE001 - any failure: back off and poll again
                    failures += 1
                    delay = get_exponential_backoff_interval(factor=1, retries=failures, maximum=30, full_jitter=True)
                    logger.warning("hand-off failed (%s); retrying in %ss", exc, delay)
                    stop.wait(max(delay, 0.2))
        finally:
            bridge.close()
            logger.info("consumer stopped")
