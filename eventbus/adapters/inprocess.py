"""The embedded default: events go straight to their handlers once the relay's transaction commits."""

from collections.abc import Callable, Sequence
from typing import Any

from django.db import transaction

from .ports import OutboundEvent

HandOff = Callable[[list[tuple[dict[str, Any], str]]], object]


class InProcessPublisher:
    """Delivers to `hand_off([(envelope, topic), …])`, the function the Kafka bridge hands polled events to."""

    def __init__(self, *, hand_off: HandOff) -> None:
        self._hand_off = hand_off

    def publish(self, events: Sequence[OutboundEvent]) -> None:
        batch = [(dict(event.envelope), event.topic) for event in events]
        transaction.on_commit(lambda: self._hand_off(batch))

    def close(self) -> None:
        pass
