"""Running events through the alert rules: from the event bridge (exactly once per event) and in-process."""

from typing import Any

from django.db import IntegrityError, transaction

from eventbus.handlers import batch_event_handler
from eventbus.models import ProcessedEvent

from .events import WATCHED
from .matching import matches
from .models import AlertRule, Incident
from .services import enabled_rules, fire, match_rules

HANDLER = "alerts.evaluate"


# Idempotent: an event that meets a rule's conditions is marked processed in the transaction that fires
# its incidents, and windows count each event id once; an event no rule looks at leaves nothing to redo.
@batch_event_handler(HANDLER, *WATCHED, idempotent=True)
def evaluate_events(envelopes: list[dict[str, Any]]) -> None:
    """A batch of events against the rules, loaded once for the batch."""
    rules = enabled_rules({envelope["type"] for envelope in envelopes})
    for envelope in envelopes:
        evaluate_event(envelope, rules=rules[envelope["type"]])


def evaluate_event(envelope: dict[str, Any], *, rules: list[AlertRule] | None = None) -> None:
    """Count windows in Redis first (idempotent by event id), then record incidents once per event.

    Every event some rule's conditions select is marked processed, whether or not it fires now: a
    redelivered event that stayed under a threshold the first time must not fire once later events
    have filled the window."""
    if rules is None:
        rules = enabled_rules({envelope["type"]})[envelope["type"]]
    selected = [rule for rule in rules if matches(envelope, rule.conditions)]
    if not selected:
        return
    found = match_rules(envelope, rules=selected)
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
