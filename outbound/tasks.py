"""Celery tasks of the delivery engine. They run on their own queue (OUTBOUND_QUEUE), served by the
`deliveries` worker role, so no send ever waits in front of payment scoring."""

import uuid

from celery import shared_task

from . import channels, engine


@shared_task(acks_late=True)
def send_message(channel: str, message_id: str, token: str, manual: bool = False) -> bool:
    return engine.send(channels.get(channel), message_id=message_id, token=uuid.UUID(token), manual=manual)


@shared_task(time_limit=120)
def dispatch_messages(channel: str | None = None) -> int:
    """Queue every due message of one channel, or of all of them (beat's tick)."""
    chosen = [channels.get(channel)] if channel else channels.registered()
    return sum(engine.dispatch(each) for each in chosen)
