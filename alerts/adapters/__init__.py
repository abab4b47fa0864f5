from django.conf import settings

from .ports import Notifier


def get_notifier() -> Notifier:
    if settings.TELEGRAM_BOT_TOKEN:
        from .telegram import TelegramNotifier

        return TelegramNotifier(
            token=settings.TELEGRAM_BOT_TOKEN,
            base_url=settings.TELEGRAM_API_BASE_URL,
            timeout_seconds=settings.TELEGRAM_TIMEOUT_SECONDS,
        )
    from .console import ConsoleNotifier

    return ConsoleNotifier()
