"""Embedded default: alert messages go to the log (and so to the terminal of `make run`)."""

import itertools
import logging

from .ports import Button

logger = logging.getLogger("payproc.alerts")
_message_ids = itertools.count(1)


class ConsoleNotifier:
    def send(self, *, chat_id: str, text: str, buttons: list[Button]) -> int | None:
        message_id = next(_message_ids)
        logger.warning("ALERT to chat %s (message %d):\n%s", chat_id or "(default)", message_id, text)
        return message_id

    def edit(self, *, chat_id: str, message_id: int, text: str, buttons: list[Button]) -> None:
        logger.warning("ALERT update of message %d in chat %s:\n%s", message_id, chat_id or "(default)", text)

    def answer_callback(self, *, callback_query_id: str, text: str) -> None:
        logger.info("callback %s answered: %s", callback_query_id, text)
