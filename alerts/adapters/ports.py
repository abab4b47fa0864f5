"""The notifier port: how alert messages leave payproc (Telegram in deployments, the console otherwise)."""

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Button:
    text: str
    callback_data: str


class DeliveryError(Exception):
    """A send that did not go through. Transient ones are retried; permanent ones are kept as failed."""

    def __init__(self, message: str, *, permanent: bool = False, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after


class Notifier(Protocol):
    def send(self, *, chat_id: str, text: str, buttons: list[Button]) -> int | None:
        """Send a message; returns its id when the channel has one (to edit it later)."""
        ...

    def edit(self, *, chat_id: str, message_id: int, text: str, buttons: list[Button]) -> None: ...

    def answer_callback(self, *, callback_query_id: str, text: str) -> None: ...
