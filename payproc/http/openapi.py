"""The uniform error object in the OpenAPI schema, shared by every app's API views."""

import threading
from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from drf_spectacular.views import SpectacularAPIView
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

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


class SchemaView(SpectacularAPIView):
    """drf-spectacular's schema view, generating one schema at a time per process: its first generation
    loads extension classes lazily, which is not thread-safe. On `make run`'s threaded server, concurrent
    first requests for /schema answered 500 (3 of 4 at once)."""

    _generating = threading.Lock()

    @extend_schema(exclude=True)  # as drf-spectacular's own: the schema does not describe itself
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        with self._generating:
            return super().get(request, *args, **kwargs)
