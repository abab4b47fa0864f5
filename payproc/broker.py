"""Celery's Redis transport, made to ride out a broker that went away.

When Redis goes away under load, Celery closes its connection and kombu's Redis channel, on close,
puts back the messages the worker holds unacknowledged; by then the connection is gone and kombu fails
with "'NoneType' object has no attribute 'hostname'", which Celery treats as unrecoverable: the worker
exits and decides nothing until someone restarts it. Here that one step may fail: the worker goes on
reconnecting, as Celery does for any other connection error. Nothing is lost: those messages stay in
Redis's unacknowledged set and come back after the visibility timeout (CELERY_VISIBILITY_TIMEOUT_SECONDS);
if Redis came back empty, beat's pending-payment sweep re-drives the payments.
"""

import logging

from kombu.transport import redis

logger = logging.getLogger(__name__)


class QoS(redis.QoS):
    def restore_unacked_once(self, stderr: object = None) -> object:
        try:
            return super().restore_unacked_once(stderr)
        except AttributeError:
            logger.warning(
                "broker connection gone while putting back unacknowledged messages: left to the visibility timeout",
                exc_info=True,
            )
            return None


class Channel(redis.Channel):
    QoS = QoS


class Transport(redis.Transport):
    Channel = Channel
