from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from payproc.http.methods import MethodCheckedFirst
from payproc.http.openapi import errors

from ..alertmanager import receive
from ..telegram_updates import handle_update
from .authentication import AlertmanagerToken, TelegramSecretToken
from .serializers import AlertmanagerWebhook


class AlertmanagerWebhookView(MethodCheckedFirst, APIView):
    """Prometheus alerts in: each firing alert opens or updates an incident; resolved ones resolve it."""

    authentication_classes: list = []
    permission_classes = [AlertmanagerToken]
    throttle_classes: list = []

    @extend_schema(
        operation_id="alertmanager_webhook",
        auth=[{"AlertmanagerToken": []}],
        request=AlertmanagerWebhook,
        responses={200: dict, **errors(400, 401, 403)},
        tags=["alerts"],
        summary="Alertmanager webhook receiver (bearer token)",
    )
    def post(self, request: Request) -> Response:
        payload = AlertmanagerWebhook(data=request.data)
        payload.is_valid(raise_exception=True)
        return Response(receive(payload.validated_data))


class TelegramWebhookView(MethodCheckedFirst, APIView):
    """Telegram updates in (setWebhook with secret_token): the Acknowledge / Resolve buttons."""

    authentication_classes: list = []
    permission_classes = [TelegramSecretToken]
    throttle_classes: list = []

    @extend_schema(
        operation_id="telegram_webhook",
        auth=[{"TelegramSecretToken": []}],
        request=dict,
        responses={200: dict, **errors(400, 401, 403)},
        tags=["alerts"],
        summary="Telegram webhook (X-Telegram-Bot-Api-Secret-Token)",
    )
    def post(self, request: Request) -> Response:
        if not isinstance(request.data, dict):
            raise ValidationError("A Telegram update is a JSON object.", code="invalid_update")
        outcome = handle_update(request.data)
        return Response({"ok": True, "acted": bool(outcome and outcome.acted)})
