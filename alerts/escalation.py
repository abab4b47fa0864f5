"""Escalation, run by Celery beat: unacknowledged incidents reach the next level, then repeat at the last.

An acknowledgement runs out after ALERTS_ACK_TIMEOUT_SECONDS: an incident still not resolved by then
fires again and its escalation goes on from the level it had reached.
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from . import history
from .models import Incident, IncidentState
from .notify import chain_for, notify_level, update_messages

HEADINGS = {False: "⬆️ Escalated: not acknowledged", True: "🔁 Still firing, not acknowledged"}


def refire_expired_acknowledgements(*, now: datetime, limit: int = 200) -> int:
    """Acknowledged incidents whose acknowledgement ran out fire again, due for escalation at once."""
    with transaction.atomic():
        expired = list(
            Incident.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(state=IncidentState.ACKNOWLEDGED, next_escalation_at__lte=now)
            .order_by("next_escalation_at")[:limit]
        )
        for incident in expired:
            history.record(
                incident,
                "acknowledgement expired",
                note=f"acknowledged by {incident.acknowledged_by} at {incident.acknowledged_at:%H:%M:%S} UTC, "
                "not resolved",
            )
            incident.state = IncidentState.FIRING
            incident.next_escalation_at = now
            incident.save(update_fields=["state", "next_escalation_at"])
            update_messages(incident)  # the buttons come back on the messages already sent
            history.emit(incident, "refired", actor="system")
    return len(expired)


def escalate_due_incidents(*, now: datetime | None = None, limit: int = 200) -> int:
    """Notify the next level of every firing incident whose delay has passed; repeat at the last level."""
    now = now or timezone.now()
    refire_expired_acknowledgements(now=now, limit=limit)
    escalated = 0
    with transaction.atomic():
        due = (
            Incident.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("rule", "rule__escalation_policy")
            .filter(state=IncidentState.FIRING, next_escalation_at__lte=now)
            .order_by("next_escalation_at")[:limit]
        )
        for incident in due:
            first = incident.escalation_level < 0  # opened under a silence that has ended
            repeating = incident.escalation_level >= len(chain_for(incident)) - 1
            heading = "" if first else HEADINGS[repeating]
            if incident.acknowledged_at is not None and not first:
                heading = f"⏰ Acknowledged by {incident.acknowledged_by}, not resolved: firing again"
            if not notify_level(incident, incident.escalation_level + 1, now=now, heading=heading):
                continue
            if not first:
                history.record(
                    incident, "repeated" if repeating else "escalated", note=f"level {incident.escalation_level + 1}"
                )
                history.emit(incident, "escalated", actor="system")
            escalated += 1
    return escalated
