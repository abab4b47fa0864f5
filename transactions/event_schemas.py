"""JSON Schemas of events, from config/events/: the envelope, and the `data` of each type and version."""

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError


class InvalidEvent(ValueError):
    """An event that does not match its schema: a bug in the producer, or a poison message."""


@lru_cache(maxsize=64)
def _validator(name: str) -> Draft202012Validator:
    path = Path(settings.EVENT_SCHEMA_DIR) / f"{name}.json"
    if not path.is_file():
        raise InvalidEvent(f"no schema {path.name} in {settings.EVENT_SCHEMA_DIR}")
    schema = json.loads(path.read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def validate_envelope(envelope: Any) -> None:
    """Raise InvalidEvent unless the envelope and its data match their schemas."""
    try:
        _validator("envelope.v1").validate(envelope)
        _validator(f"{envelope['type']}.v{envelope['version']}").validate(envelope["data"])
    except ValidationError as exc:
        where = "/".join(str(part) for part in exc.absolute_path) or "(root)"
        raise InvalidEvent(f"{where}: {exc.message}") from None
    except (TypeError, KeyError) as exc:
        raise InvalidEvent(f"not an event envelope: {exc}") from None
