"""JSON Schemas of events, from config/events/: the envelope, and the `data` of each type and version.

Each schema is compiled once per process into Python code (fastjsonschema), so validating an event
costs microseconds: every event is validated when it is written and again when it is consumed.
"""

import json
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import fastjsonschema
from django.conf import settings

# Formats the schemas use that fastjsonschema does not know by name.
_FORMATS = {"uuid": r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"}


class InvalidEvent(ValueError):
    """An event that does not match its schema: a bug in the producer, or a poison message."""


@lru_cache(maxsize=64)
def _validator(name: str) -> Callable[[Any], Any]:
    path = Path(settings.EVENT_SCHEMA_DIR) / f"{name}.json"
    if not path.is_file():
        raise InvalidEvent(f"no schema {path.name} in {settings.EVENT_SCHEMA_DIR}")
    schema = json.loads(path.read_text())
    schema.pop("$id", None)  # a relative id would make the compiler resolve "#/$defs/…" against it
    return fastjsonschema.compile(schema, formats=_FORMATS, use_default=False)


def validate_envelope(envelope: Any) -> None:
    """Raise InvalidEvent unless the envelope and its data match their schemas."""
    try:
        _validator("envelope.v1")(envelope)
        _validator(f"{envelope['type']}.v{envelope['version']}")(envelope["data"])
    except fastjsonschema.JsonSchemaValueException as exc:
        where = exc.name.removeprefix("data").lstrip(".") or "(root)"
        raise InvalidEvent(f"{where}: {exc.message}") from None
    except (TypeError, KeyError) as exc:
        raise InvalidEvent(f"not an event envelope: {exc}") from None
