from typing import TYPE_CHECKING

from django.conf import settings

from .ports import Notifier

if TYPE_CHECKING:
    from .telegram import TelegramNotifier


def telegram_notifier() -> "TelegramNotifier":
    """The Telegram adapter for the configured bot (also for Telegram-only calls such as setWebhook)."""
    from .telegram import TelegramNotifier

    return TelegramNotifier(
        token=settings.TELEGRAM_BOT_TOKEN,
        base_url=settings.TELEGRAM_API_BASE_URL,
        deadline_seconds=settings.OUTBOUND_TELEGRAM_DEADLINE_SECONDS,
    )


def get_notifier() -> Notifier:
    if settings.TELEGRAM_BOT_TOKEN:
        return telegram_notifier()
    from .console import ConsoleNotifier

    return ConsoleNotifier()
