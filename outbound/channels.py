"""What a channel (webhooks, Telegram, ...) gives the engine, its delivery policy read from settings, and the
registry apps add their channel to in `AppConfig.ready`."""

from dataclasses import dataclass, field
from typing import Any, Protocol

from django.conf import settings
from django.db.models import QuerySet

from .models import OutboundMessage


@dataclass(frozen=True, slots=True)
class Attempt:
    """What one attempt came to."""

    delivered: bool
    error: str = ""
    permanent: bool = False  # refused for good (unknown chat): no retry
    retry_after: float | None = None  # the receiver asked for this pause (Telegram's 429)
    recorded: dict[str, Any] = field(default_factory=dict)  # the channel's own columns (status code, message id)


@dataclass(frozen=True, slots=True)
class Policy:
    """How one channel's messages are tried: the same five settings for every channel,
    OUTBOUND_<CHANNEL>_DEADLINE_SECONDS and so on."""

    deadline_seconds: float  # one attempt, from resolving to the last byte read
    backoff_base_seconds: float
    backoff_max_seconds: float
    retry_window_seconds: float  # after this long since the message was made, a failure is final
    max_in_flight: int  # per target (an endpoint, a chat): one dead receiver holds at most this many senders

    @classmethod
    def of(cls, channel: str) -> "Policy":
        prefix = f"OUTBOUND_{channel.upper()}_"
        return cls(
            deadline_seconds=float(getattr(settings, prefix + "DEADLINE_SECONDS")),
            backoff_base_seconds=float(getattr(settings, prefix + "BACKOFF_BASE_SECONDS")),
            backoff_max_seconds=float(getattr(settings, prefix + "BACKOFF_MAX_SECONDS")),
            retry_window_seconds=float(getattr(settings, prefix + "RETRY_WINDOW_SECONDS")),
            max_in_flight=int(getattr(settings, prefix + "MAX_IN_FLIGHT")),
        )


class Channel(Protocol):
    name: str
    model: type[OutboundMessage]
    target_field: str  # the column naming the receiver whose concurrency is bounded

    def due(self, messages: QuerySet) -> QuerySet:
        """Narrow the pending, due messages to those that may go now (e.g. enabled endpoints)."""
        ...

    def load(self, message_id: str) -> OutboundMessage: ...

    def attempt(self, message: Any, *, deadline_seconds: float) -> Attempt:
        """Send once; never raise for the receiver's failures, return them."""
        ...

    def gave_up(self, message: Any, *, reason: str) -> None:
        """The message failed for good (called in the transaction that records it)."""
        ...


_registry: dict[str, Channel] = {}


def register(channel: Channel) -> None:
    _registry[channel.name] = channel


def get(name: str) -> Channel:
    return _registry[name]


def registered() -> list[Channel]:
    return list(_registry.values())
