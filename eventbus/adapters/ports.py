"""Ports the domain talks to; adapters implement them."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class OutboundEvent:
    topic: str
    key: str
    envelope: dict[str, Any]


class EventPublisher(Protocol):
    def publish(self, events: Sequence[OutboundEvent]) -> None:
        """Deliver every event durably, in order per key, or raise: then none counts as delivered."""
        ...

    def close(self) -> None: ...
