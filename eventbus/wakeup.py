"""Waking the relay when events are committed: PostgreSQL LISTEN/NOTIFY (see migration 0002), with a
timeout as the safety net. On other databases, and while the listening connection is down, it polls."""

import logging
import threading
import time

import psycopg
from django.db import connection

CHANNEL = "payproc_outbox"

logger = logging.getLogger(__name__)


class OutboxWakeup:
    def __init__(self, *, stop: threading.Event) -> None:
        self._stop = stop
        self._listener: psycopg.Connection | None = None

    def wait(self, timeout: float) -> None:
        """Return when events were committed since the last call, after `timeout` s, or on stop."""
        if connection.vendor != "postgresql":
            self._stop.wait(timeout)
            return
        try:
            listener = self._listener = self._listener or self._listen()
            deadline = time.monotonic() + timeout
            # In slices of at most a second, so SIGTERM is honoured promptly.
            while not self._stop.is_set() and (left := deadline - time.monotonic()) > 0:
                if any(True for _ in listener.notifies(timeout=min(left, 1.0), stop_after=1)):
                    for _ in listener.notifies(timeout=0):  # several commits wake the relay once
                        pass
                    return
        except psycopg.Error as exc:
            logger.warning("outbox notifications unavailable (%s); polling", exc)
            self.close()
            self._stop.wait(timeout)

    def _listen(self) -> psycopg.Connection:
        listener = psycopg.connect(**connection.get_connection_params(), autocommit=True)
        listener.execute(f"LISTEN {CHANNEL}")
        return listener

    def close(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
