import logging
from typing import Any

from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from antifraud.adapters.clickhouse import ClickHouseAnalytics
from antifraud.analytics_sink import AnalyticsSink
from eventbus.adapters.kafka import make_consumer
from payproc.observability.process import serve_process_metrics
from payproc.processes import Pulse, freeze_startup_heap, stop_on_signals

logger = logging.getLogger("payproc.analytics")


class Command(BaseCommand):
    help = "Write payment and decision events from Kafka into ClickHouse in batches. Stops on SIGTERM."

    def handle(self, *args: Any, **options: Any) -> None:
        if not (settings.KAFKA_BOOTSTRAP_SERVERS and settings.CLICKHOUSE_URL):
            raise CommandError("analytics_sink needs KAFKA_BOOTSTRAP_SERVERS and CLICKHOUSE_URL.")
        stop = stop_on_signals()
        serve_process_metrics("analytics")
        consumer = make_consumer(
            topics=[settings.TOPIC_TRANSACTIONS, settings.TOPIC_DECISIONS, settings.TOPIC_FEATURES],
            group_id=settings.ANALYTICS_CONSUMER_GROUP,
        )
        sink = AnalyticsSink(
            consumer,
            ClickHouseAnalytics.from_url(settings.CLICKHOUSE_URL),
            batch_size=settings.ANALYTICS_BATCH_SIZE,
            flush_seconds=settings.ANALYTICS_FLUSH_SECONDS,
        )
        pulse = Pulse("analytics")
        freeze_startup_heap()
        failures = 0
        try:
            while not stop.is_set():
                pulse()
                try:
                    sink.poll_once()
                    failures = 0
                except Exception as exc:  # noqa: BLE001 - ClickHouse down: back off, the batch is re-read
                    failures += 1
                    delay = get_exponential_backoff_interval(factor=1, retries=failures, maximum=30, full_jitter=True)
                    logger.warning("analytics write failed (%s); retrying in %ss", exc, delay)
                    stop.wait(max(delay, 0.2))
            sink.flush()
        finally:
            sink.close()
            logger.info("analytics sink stopped")
