"""Running events through the alert rules: from the event bridge (exactly once per event) and in-process."""

from typing import Any

from django.db import IntegrityError, transaction

from eventbus.dispatch import event_handler
from eventbus.models import ProcessedEvent

from .events import WATCHED
from .models import Incident
from .services import fire, match_rules

HANDLER = "alerts.evaluate"


@event_handler(HANDLER, *WATCHED, atomic=False)
def evaluate_event(envelope: dict[str, Any]) -> None:
    """Count windows in Redis first (idempotent by event id), then record incidents once per event:
    the processed-event row is written in the same transaction as the incident changes."""
    found = match_rules(envelope)
    if not found:
        return
    with transaction.atomic():
        try:
            with transaction.atomic():
                ProcessedEvent.objects.create(event_id=envelope["event_id"], handler=HANDLER)
        except IntegrityError:
            return
        for match in found:
            fire(match=match, event=envelope)


def evaluate_now(event: dict[str, Any], *, severity: str | None = None) -> list[Incident]:
    """For events that never pass through Kafka (periodic checks, Alertmanager): every call counts."""
    found = match_rules(event)
    with transaction.atomic():
        return [fire(match=match, event=event, severity=severity) for match in found]
