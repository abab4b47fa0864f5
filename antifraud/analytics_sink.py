"""The batching analytics sink: events from Kafka into ClickHouse, flushed by size or by time.

Offsets are committed only after a batch is written; a failed write rewinds to the last commit and
the batch is read again. Rows are idempotent (ReplacingMergeTree), so a re-read batch counts once.
"""

import json
import logging
import time
from collections.abc import Callable
from typing import Any

from kafka import KafkaConsumer

from eventbus.adapters.kafka import LagReporter

from .adapters.ports import AnalyticsStore
from .analytics import rows_from_events

logger = logging.getLogger(__name__)


class AnalyticsSink:
    def __init__(
        self,
        consumer: KafkaConsumer,
        store: AnalyticsStore,
        *,
        batch_size: int,
        flush_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._consumer = consumer
        self._store = store
        self._batch_size = batch_size
        self._flush_seconds = flush_seconds
        self._clock = clock
        self._buffer: list[dict[str, Any]] = []
        self._first_buffered_at: float | None = None
        self.flushed_batches = 0
        self._report_lag = LagReporter(consumer)  # the sink's group in the consumer-lag gauge

    def poll_once(self, *, timeout_ms: int = 1000) -> None:
        for messages in self._consumer.poll(timeout_ms=timeout_ms).values():
            for message in messages:
                try:
                    self._buffer.append(json.loads(message.value))
                except ValueError:
                    logger.warning("analytics sink skipped an undecodable message at offset %s", message.offset)
                if self._first_buffered_at is None:
                    self._first_buffered_at = self._clock()
        if self._due():
            self.flush()
        self._report_lag()

    def _due(self) -> bool:
        if not self._buffer:
            return False
        if len(self._buffer) >= self._batch_size:
            return True
        return self._first_buffered_at is not None and self._clock() - self._first_buffered_at >= self._flush_seconds

    def flush(self) -> None:
        if not self._buffer:
            return
        rows = rows_from_events(self._buffer)
        try:
            self._store.write(**rows._asdict())
        except Exception:
            self._rewind()
            raise
        self._consumer.commit()
        self._report_lag(every_seconds=0)  # caught up to what was just written
        logger.info(
            "analytics sink wrote %d payment, %d decision and %d refund rows",
            len(rows.payments),
            len(rows.decisions),
            len(rows.refunds),
        )
        self._buffer, self._first_buffered_at = [], None
        self.flushed_batches += 1

    def _rewind(self) -> None:
        """Drop the buffer and go back to the committed offsets: the batch will be read again."""
        self._buffer, self._first_buffered_at = [], None
        for partition in self._consumer.assignment():
            committed = self._consumer.committed(partition)
            if committed is None:
                self._consumer.seek_to_beginning(partition)
            else:
                self._consumer.seek(partition, committed)

    def close(self) -> None:
        self._consumer.close(autocommit=False)
