"""The incident's record: history rows and the `alerts.incident` events, written in the caller's transaction."""

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from eventbus.outbox import enqueue_event

from .events import INCIDENT
from .metrics import INCIDENTS
from .models import Incident, IncidentEvent


def record(incident: Incident, kind: str, *, actor: str = "system", note: str = "") -> None:
    IncidentEvent.objects.create(incident=incident, at=timezone.now(), kind=kind, actor=actor, note=note[:500])


def emit(incident: Incident, change: str, *, actor: str) -> None:
    severity = incident.severity
    transaction.on_commit(lambda: INCIDENTS.labels(severity=severity, change=change).inc())
    enqueue_event(
        event_type=INCIDENT,
        key=str(incident.pk),
        topic=settings.TOPIC_INCIDENTS,
        data={
            "incident_id": str(incident.pk),
            "rule": incident.rule.name,
            "group_key": incident.group_key,
            "state": incident.state,
            "change": change,
            "severity": incident.severity,
            "summary": incident.summary,
            "match_count": incident.match_count,
            "escalation_level": incident.escalation_level,
            "actor": actor,
        },
    )
