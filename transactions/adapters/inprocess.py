"""The embedded default: events go straight to their handlers once the relay's transaction commits."""

from collections.abc import Sequence

from django.db import transaction

from .ports import OutboundEvent


class InProcessPublisher:
    def publish(self, events: Sequence[OutboundEvent]) -> None:
        from transactions.bridge import hand_off

        batch = list(events)
        transaction.on_commit(lambda: [hand_off(event.envelope, topic=event.topic) for event in batch])

    def close(self) -> None:
        pass
