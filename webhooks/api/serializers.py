"""Request and response shapes of the webhook endpoints API."""

from typing import Any

from django.core.validators import RegexValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from payproc.http.fields import StrictBooleanField, StrictCharField
from transactions.api.serializers import StrictSerializer

from ..events import EVENT_TYPES
from ..models import DeliveryStatus, EndpointStatus, WebhookDelivery, WebhookEndpoint


@extend_schema_field(
    {
        "type": "array",
        "items": {"type": "string", "enum": ["*", *EVENT_TYPES]},
        "minItems": 1,
        "maxItems": len(EVENT_TYPES) + 1,
        "example": ["payment.approved", "refund.succeeded"],
    }
)
class EventTypesField(serializers.ListField):
    child = StrictCharField(max_length=40)


WEBHOOK_URL_PATTERN = r"^https?://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~-]+)(:[0-9]{1,5})?(/[^\s]*)?$"


@extend_schema_field(
    {
        "type": "string",
        "format": "uri",
        "pattern": WEBHOOK_URL_PATTERN,
        "maxLength": 2048,
        "example": "https://shop.example.com/payproc/webhooks",
    }
)
class WebhookUrlField(StrictCharField):
    """An absolute http(s) URL; whether its host may be called is the service's check (addresses.py)."""

    def __init__(self, **kwargs: Any) -> None:
        message = "url must be an absolute http(s) URL without spaces or credentials."
        super().__init__(validators=[RegexValidator(WEBHOOK_URL_PATTERN, message)], **kwargs)


class EndpointIn(StrictSerializer):
    url = WebhookUrlField(max_length=2048, help_text="https:// in production; checked not to be a private address.")
    events = EventTypesField(min_length=1, max_length=len(EVENT_TYPES) + 1, help_text='Types to send, or ["*"].')
    description = StrictCharField(required=False, allow_blank=True, max_length=500)


class RotateSecretIn(StrictSerializer):
    expire_now = StrictBooleanField(
        required=False,
        default=False,
        help_text="true: earlier secrets stop signing at once (a leaked secret); false: they sign beside the "
        "new one for 24 hours.",
    )


class EndpointOut(serializers.ModelSerializer):
    object = serializers.SerializerMethodField()
    events = serializers.ListField(child=serializers.CharField())
    status = serializers.ChoiceField(choices=EndpointStatus.choices)

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "object", "url", "events", "description", "status", "disabled_reason", "created_at"]

    def get_object(self, endpoint: WebhookEndpoint) -> str:
        return "webhook_endpoint"


class EndpointWithSecretOut(EndpointOut):
    secret = serializers.SerializerMethodField(help_text="The signing secret (whsec_…): shown only now.")

    class Meta(EndpointOut.Meta):
        fields = [*EndpointOut.Meta.fields, "secret"]

    def get_secret(self, endpoint: WebhookEndpoint) -> str:
        return self.context["secret"]


class EndpointListOut(serializers.Serializer):
    object = serializers.CharField(default="list")
    data = EndpointOut(many=True)


class DeliveryOut(serializers.ModelSerializer):
    object = serializers.SerializerMethodField()
    event_id = serializers.CharField()
    event_type = serializers.CharField(source="event.type")
    status = serializers.ChoiceField(choices=DeliveryStatus.choices)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "object",
            "event_id",
            "event_type",
            "status",
            "attempts",
            "last_status_code",
            "last_error",
            "next_attempt_at",
            "delivered_at",
            "created_at",
        ]

    def get_object(self, delivery: WebhookDelivery) -> str:
        return "webhook_delivery"


class DeliveryListOut(serializers.Serializer):
    object = serializers.CharField(default="list")
    data = DeliveryOut(many=True)


def listing(items: list[Any], serializer: type[serializers.Serializer]) -> dict[str, Any]:
    return {"object": "list", "data": serializer(items, many=True).data}
