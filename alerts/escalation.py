"""Escalation, run by Celery beat: unacknowledged incidents reach the next level, then repeat at the last."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from . import history
from .models import Incident, IncidentState
from .notify import levels_for, notify_level

HEADINGS = {False: "⬆️ Escalated: not acknowledged", True: "🔁 Still firing, not acknowledged"}


def escalate_due_incidents(*, now: datetime | None = None, limit: int = 200) -> int:
    """Notify the next level of every firing incident whose delay has passed; repeat at the last level."""
    now = now or timezone.now()
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
            repeating = incident.escalation_level >= len(levels_for(incident.rule)) - 1
            heading = "" if first else HEADINGS[repeating]
            if not notify_level(incident, incident.escalation_level + 1, now=now, heading=heading):
                continue
            if not first:
                history.record(
                    incident, "repeated" if repeating else "escalated", note=f"level {incident.escalation_level + 1}"
                )
                history.emit(incident, "escalated", actor="system")
            escalated += 1
    return escalated
