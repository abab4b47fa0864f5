"""Ports the domain talks to; adapters implement them."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class OutboundEvent:
    topic: str
    key: str
    envelope: Mapping[str, Any]  # a dict, or the outbox's StoredEnvelope (its JSON text, parsed on demand)


class EventPublisher(Protocol):
    def publish(self, events: Sequence[OutboundEvent]) -> None:
        """Deliver every event durably, in order per key, or raise: then none counts as delivered."""
        ...

    def close(self) -> None: ...
