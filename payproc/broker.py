"""Celery's Redis transport, made to ride out a broker that went away.

When Redis goes away, kombu's Redis channel can be asked for a new client after its connection was
already closed (closing the channel puts back unacknowledged messages; a late ack or reject cleans its
indices). It then fails with "'NoneType' object has no attribute 'hostname'", an AttributeError that
Celery treats as unrecoverable: the worker exited and decided nothing until someone restarted it. Here
that request fails as what it is, a connection error, which Celery recovers from by reconnecting, and
which kombu ignores while closing. Nothing is lost: messages not acknowledged stay in Redis's
unacknowledged set and come back after the visibility timeout (CELERY_VISIBILITY_TIMEOUT_SECONDS); if
Redis came back empty, beat's pending-payment sweep re-drives the payments (handlers are idempotent).
"""

from typing import Any

from kombu.transport import redis
from redis.exceptions import ConnectionError as RedisConnectionError


class Channel(redis.Channel):
    def _connparams(self, asynchronous: bool = False) -> Any:
        if self.connection.client is None:
            raise RedisConnectionError("the broker connection is closed")
        return super()._connparams(asynchronous=asynchronous)


class Transport(redis.Transport):
    Channel = Channel
