"""The incident's record: its history in the audit log and the `alerts.incident` events, written in the
caller's transaction. Acknowledging and resolving write their audit entry in the service that makes the
change (with the state before and after); the system's steps (opened, notified, escalated, silenced)
are recorded here, so the audit log is the incident's one history."""

from django.conf import settings
from django.db import transaction

from audit.services import record as audit_record
from eventbus.outbox import enqueue_event

from .events import INCIDENT
from .metrics import INCIDENTS
from .models import Incident


def record(incident: Incident, kind: str, *, actor: str = "system", note: str = "") -> None:
    audit_record(actor=actor, action=f"incident.{kind.replace(' ', '_')}", target=incident, note=note)


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
