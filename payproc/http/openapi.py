"""The uniform error object in the OpenAPI schema, shared by every app's API views."""

from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

from .errors import API_ERROR, AUTHENTICATION, IDEMPOTENCY, INVALID_REQUEST, PERMISSION, RATE_LIMIT

ErrorObject = inline_serializer(
    name="Error",
    fields={
        "error": inline_serializer(
            name="ErrorDetail",
            fields={
                "type": serializers.ChoiceField(
                    choices=[INVALID_REQUEST, AUTHENTICATION, PERMISSION, RATE_LIMIT, IDEMPOTENCY, API_ERROR]
                ),
                "code": serializers.CharField(help_text="Stable, machine-readable, e.g. invalid_card_number."),
                "message": serializers.CharField(help_text="For people; may change."),
                "param": serializers.CharField(required=False, help_text="The request field at fault."),
                "request_id": serializers.CharField(help_text="Also in the X-Request-ID response header."),
            },
        )
    },
)


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    """Responses for `extend_schema`: each status documented as the uniform error object."""
    return {code: OpenApiResponse(ErrorObject, description="The uniform error object.") for code in codes}
