from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from alerts.adapters import telegram_notifier
from alerts.adapters.ports import DeliveryError


class Command(BaseCommand):
    help = "Register PUBLIC_BASE_URL's Telegram webhook (the Acknowledge/Resolve buttons) with the bot."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.TELEGRAM_BOT_TOKEN:
            raise CommandError("TELEGRAM_BOT_TOKEN is not set.")
        if not settings.TELEGRAM_WEBHOOK_SECRET:
            raise CommandError("TELEGRAM_WEBHOOK_SECRET is not set: the webhook would be closed (403).")
        if not settings.PUBLIC_BASE_URL.startswith("https://"):
            raise CommandError(f"Telegram calls only HTTPS webhooks; PUBLIC_BASE_URL is {settings.PUBLIC_BASE_URL}.")
        url = settings.PUBLIC_BASE_URL.rstrip("/") + reverse("telegram-webhook")
        try:
            telegram_notifier().set_webhook(url=url, secret_token=settings.TELEGRAM_WEBHOOK_SECRET)
        except DeliveryError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"webhook set: {url}")
