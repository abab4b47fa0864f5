"""Request fields that take only the JSON type the schema states (DRF's own coerce numbers to strings
and strings to numbers, so a schema-violating request would be accepted)."""

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


class StrictCharField(serializers.CharField):
    """A JSON string and nothing else: DRF's CharField would turn 123 or 1.5 into "123" and "1.5"."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer and nothing else: DRF's IntegerField would take "12" or 12.0 too."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """A JSON true or false and nothing else: DRF's BooleanField would take 0, "yes" or "off" too."""

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class GivenMeansNonEmpty:
    """For query parameters: one left out takes its default, one given empty (`?to=`) is a 400. DRF would
    read an empty optional parameter as absent."""

    def get_value(self, dictionary: Any) -> Any:
        if dictionary.get(self.field_name) == "":  # type: ignore[attr-defined]
            return ""
        return super().get_value(dictionary)  # type: ignore[misc]


class ChoiceParam(GivenMeansNonEmpty, serializers.ChoiceField):
    pass


class IsoDateTimeParam(GivenMeansNonEmpty, serializers.DateTimeField):
    """An ISO 8601 query parameter."""


@extend_schema_field(
    {"oneOf": [{"type": "string", "format": "ipv4"}, {"type": "string", "format": "ipv6"}], "nullable": True}
)
class IPAddressField(serializers.IPAddressField):
    """An IPv4 or IPv6 address, typed so in the schema."""
