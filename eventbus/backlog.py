"""How far the Celery workers are behind: task messages waiting in the broker's queue.

Read by the bridge, which feeds that queue, every time it reports its Kafka lag: with the workers dead
the consumer lag stays at zero (the bridge keeps handing events on), but this depth grows.
"""

import logging
import time
from typing import Any

from amqp.exceptions import ChannelError

from .metrics import CELERY_QUEUE_DEPTH

logger = logging.getLogger(__name__)


class QueueDepth:
    """Messages waiting in one Celery queue, read from the broker at most every `max_age_seconds`."""

    def __init__(self, app: Any, *, queue: str, max_age_seconds: float = 0.2) -> None:
        self._app, self._queue, self._max_age = app, queue, max_age_seconds
        self._connection: Any = None
        self._read_at, self._depth = float("-inf"), None

    def __call__(self) -> int | None:
        """The depth (None when the broker cannot be read)."""
        now = time.monotonic()
        if now - self._read_at >= self._max_age:
            self._read_at, self._depth = now, self._read()
            if self._depth is not None:
                CELERY_QUEUE_DEPTH.labels(queue=self._queue).set(self._depth)
        return self._depth

    def _read(self) -> int | None:
        try:
            if self._connection is None:
                self._connection = self._app.connection_for_read()
            _, messages, _ = self._connection.default_channel.queue_declare(queue=self._queue, passive=True)
            return int(messages)
        except Exception as exc:
            if isinstance(exc, ChannelError) and str(exc.reply_code) == "404":
                # Not there: the Redis transport deletes a queue's list when its last message is taken.
                return 0
            logger.warning("could not read the depth of Celery queue %s", self._queue, exc_info=True)
            if self._connection is not None:
                self._connection.release()
            self._connection = None
            return None
