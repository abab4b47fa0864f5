"""Shared-secret checks for the two webhooks (constant-time; an unset secret disables the endpoint)."""

import secrets

from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from ..errors import InvalidWebhookSecret, WebhookNotConfigured


def _same(given: str | None, expected: str) -> bool:
    return bool(expected) and given is not None and secrets.compare_digest(given.encode(), expected.encode())


class SharedSecretPermission(BasePermission):
    """Subclasses say where the secret travels and which setting holds it."""

    def expected(self) -> str:
        raise NotImplementedError

    def given(self, request: Request) -> str | None:
        raise NotImplementedError

    def has_permission(self, request: Request, view: APIView) -> bool:
        if not self.expected():
            raise WebhookNotConfigured
        if not _same(self.given(request), self.expected()):
            raise InvalidWebhookSecret
        return True


class AlertmanagerToken(SharedSecretPermission):
    def expected(self) -> str:
        from django.conf import settings

        return settings.ALERTMANAGER_WEBHOOK_TOKEN

    def given(self, request: Request) -> str | None:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        return token.strip() if scheme.lower() == "bearer" else None


class TelegramSecretToken(SharedSecretPermission):
    def expected(self) -> str:
        from django.conf import settings

        return settings.TELEGRAM_WEBHOOK_SECRET

    def given(self, request: Request) -> str | None:
        return request.headers.get("X-Telegram-Bot-Api-Secret-Token")
