"""Telegram through python-telegram-bot; its async calls run to completion inside our sync workers.

The Bot API base URL is a setting, so a self-hosted Bot API server (or the tests' stand-in) can be used.
"""

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, InvalidToken, RetryAfter, TelegramError
from telegram.request import HTTPXRequest

from .ports import Button, DeliveryError

T = TypeVar("T")


def _keyboard(buttons: list[Button]) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(b.text, callback_data=b.callback_data) for b in buttons]])


class TelegramNotifier:
    def __init__(self, *, token: str, base_url: str, deadline_seconds: float) -> None:
        self._token = token
        self._base_url = base_url
        self._deadline = deadline_seconds

    def _call(self, action: Callable[[Bot], Awaitable[T]]) -> T:
        async def run() -> T:
            # A client per call: Celery workers are sync, and an httpx client is bound to its event loop.
            request = HTTPXRequest(
                connect_timeout=self._deadline, read_timeout=self._deadline, write_timeout=self._deadline
            )
            await request.initialize()
            try:
                # One deadline for the whole call: httpx's timeouts bound each socket wait, not the sum.
                async with asyncio.timeout(self._deadline):
                    return await action(Bot(self._token, base_url=self._base_url, request=request))
            finally:
                await request.shutdown()

        try:
            return asyncio.run(run())
        except TimeoutError as exc:
            raise DeliveryError(f"Telegram did not answer within the {self._deadline:g} s deadline") from exc
        except RetryAfter as exc:
            retry_after = exc.retry_after
            seconds = retry_after if isinstance(retry_after, int | float) else retry_after.total_seconds()
            raise DeliveryError(f"Telegram rate limit: {exc}", retry_after=float(seconds)) from exc
        except (BadRequest, Forbidden, InvalidToken) as exc:
            raise DeliveryError(f"Telegram refused: {exc}", permanent=True) from exc
        except TelegramError as exc:  # NetworkError, TimedOut, 5xx
            raise DeliveryError(f"Telegram unreachable: {exc}") from exc

    def send(self, *, chat_id: str, text: str, buttons: list[Button]) -> int | None:
        async def action(bot: Bot) -> int:
            message = await bot.send_message(chat_id=chat_id, text=text, reply_markup=_keyboard(buttons))
            return message.message_id

        return self._call(action)

    def edit(self, *, chat_id: str, message_id: int, text: str, buttons: list[Button]) -> None:
        async def action(bot: Bot) -> None:
            try:
                await bot.edit_message_text(
                    chat_id=chat_id, message_id=message_id, text=text, reply_markup=_keyboard(buttons)
                )
            except BadRequest as exc:
                if "not modified" not in str(exc).lower():  # a retried edit that already went through
                    raise

        self._call(action)

    def answer_callback(self, *, callback_query_id: str, text: str) -> None:
        async def action(bot: Bot) -> None:
            await bot.answer_callback_query(callback_query_id=callback_query_id, text=text)

        self._call(action)

    def set_webhook(self, *, url: str, secret_token: str) -> None:
        """Ask Telegram to post button presses to `url` (HTTPS only, Telegram's rule), with the secret."""

        async def action(bot: Bot) -> None:
            await bot.set_webhook(url=url, secret_token=secret_token, allowed_updates=["callback_query"])

        self._call(action)
