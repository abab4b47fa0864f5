"""Teach drf-spectacular what the code enforces: merchant endpoints take a bearer API key, and request
bodies refuse fields they do not know (`additionalProperties: false`)."""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiSerializerExtension


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "transactions.api.authentication.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "A merchant API key: sk_test_… or sk_live_…"}


class StrictSerializerSchema(OpenApiSerializerExtension):
    target_class = "transactions.api.serializers.StrictSerializer"
    match_subclasses = True

    def map_serializer(self, auto_schema: Any, direction: str) -> dict[str, Any]:
        schema = auto_schema._map_basic_serializer(self.target, direction)
        if direction == "request":
            schema["additionalProperties"] = False
        return schema
