"""The versioned envelope every event travels in, validated against its schema when it is built."""

import json
import uuid
from collections.abc import Iterator, Mapping
from typing import Any

from django.conf import settings
from django.utils import timezone

from payproc.observability.tracing import current_traceparent

from .schemas import validate_envelope


def build_envelope(*, event_type: str, key: str, data: dict[str, Any], version: int = 1) -> dict[str, Any]:
    envelope = {
        "event_id": str(uuid.uuid4()),
        "type": event_type,
        "version": version,
        "occurred_at": timezone.now().isoformat(),
        "producer": settings.EVENT_PRODUCER,
        "key": key,
        "trace": current_traceparent(),
        "data": data,
    }
    validate_envelope(envelope)
    return envelope


class StoredEnvelope(Mapping[str, Any]):
    """An envelope as the outbox stores it, JSON text, with the fields publishing needs read beside it.

    The Kafka publisher sends the text as it is and takes its headers and trace from those fields, so
    the relay neither parses an envelope nor serialises it again (a quarter of the relay's CPU, py-spy
    under load). Any other field parses the text once (the in-process publisher hands on whole events).
    """

    __slots__ = ("_head", "_parsed", "text")

    def __init__(self, text: str, *, event_id: str, event_type: str, trace: str | None) -> None:
        self.text = text
        self._head = {"event_id": event_id, "type": event_type, "trace": trace}
        self._parsed: dict[str, Any] | None = None

    def whole(self) -> dict[str, Any]:
        if self._parsed is None:
            self._parsed = json.loads(self.text)
        return self._parsed

    def __getitem__(self, name: str) -> Any:
        return self._head[name] if name in self._head else self.whole()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.whole())

    def __len__(self) -> int:
        return len(self.whole())
