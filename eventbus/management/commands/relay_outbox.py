import logging
from typing import Any

from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from eventbus.adapters import close_publishers, get_publisher
from eventbus.relay import relay_batch
from eventbus.wakeup import OutboxWakeup
from payproc.observability.process import serve_process_metrics
from payproc.processes import Pulse, freeze_startup_heap, stop_on_signals

logger = logging.getLogger("payproc.relay")


class Command(BaseCommand):
    help = (
        "Publish outbox events to Kafka as they are committed (woken by PostgreSQL notifications), until "
        "SIGTERM/SIGINT: finishes the batch in hand, then exits."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Publish what is pending, then exit.")

    def handle(self, *args: Any, once: bool, **options: Any) -> None:
        stop = stop_on_signals()
        serve_process_metrics("relay")
        publisher = get_publisher()
        wakeup = OutboxWakeup(stop=stop)
        pulse = Pulse("relay")
        freeze_startup_heap()
        failures = 0
        logger.info("relay started (kafka=%s)", settings.KAFKA_BOOTSTRAP_SERVERS or "in-process")
        while not stop.is_set():
            pulse()
            try:
                published = relay_batch(publisher=publisher)
            except Exception as exc:  # noqa: BLE001 - any failure: back off and try again
                failures += 1
                delay = get_exponential_backoff_interval(factor=1, retries=failures, maximum=30, full_jitter=True)
                logger.warning("relay could not publish (%s); retrying in %ss", exc, delay)
                stop.wait(max(delay, 0.2))
                continue
            if failures:
                logger.info("relay publishing again after %d failed attempts", failures)
            failures = 0
            if published == 0:
                if once:
                    break
                wakeup.wait(settings.OUTBOX_POLL_INTERVAL_SECONDS)
        wakeup.close()
        close_publishers()
        logger.info("relay stopped")
