"""JSON parsing that keeps money exact and bounds the body size."""

import json
from decimal import Decimal
from typing import Any

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from .errors import RequestTooLarge


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a valid JSON value")


class StrictJSONParser(JSONParser):
    """JSON numbers become `Decimal` (never float); NaN/Infinity and oversized bodies are refused."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict | None = None) -> Any:
        limit = settings.API_MAX_BODY_BYTES
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise RequestTooLarge(f"The request body exceeds {limit} bytes.")
        try:
            return json.loads(raw.decode("utf-8"), parse_float=Decimal, parse_constant=_reject_constant)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ParseError("The request body is not valid JSON.") from exc
