"""Incidents: match events to rules, open or count, acknowledge, resolve. Every change writes its history,
its notifications and an `alerts.incident` event in the same database transaction."""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from antifraud.adapters import get_velocity_store
from audit.services import record
from payproc.cache_versions import VersionedMemo

from . import history
from .errors import IncidentStateError
from .matching import matches, render
from .models import AlertRule, Incident, IncidentState, Severity
from .notify import notify_level, snapshot_chain, update_messages

logger = logging.getLogger(__name__)
MAX_TRANSACTIONS_IN_DETAILS = 20


@dataclass(frozen=True, slots=True)
class Match:
    rule: AlertRule
    group_key: str
    fingerprint: str  # the outage it reports: one open incident per fingerprint, whichever rule saw it


def fingerprint(rule: AlertRule, group_key: str, event: dict[str, Any]) -> str:
    """The rule's condition (its name unless it names a shared one) and the grouping key. A domain rule and
    a Prometheus alert watching the same outage share a condition, so they open one incident."""
    condition = render(rule.condition, event) if rule.condition else rule.name
    return f"{condition}|{group_key}"[:400]


# --- Matching -----------------------------------------------------------------------------------


def _event_time(event: dict[str, Any]) -> float:
    occurred = event.get("occurred_at")
    parsed = datetime.fromisoformat(occurred) if isinstance(occurred, str) else None
    return (parsed or timezone.now()).timestamp()


# Every batch of events asks for the rules (8 % of a worker's time in an e2e profile, one query each):
# kept per process while the "alert-rules" version holds; any saved or deleted rule replaces it.
_enabled_rules: VersionedMemo[frozenset[str], dict[str, list[AlertRule]]] = VersionedMemo(
    "alert-rules", max_age_seconds=60
)


def enabled_rules(event_types: set[str]) -> dict[str, list[AlertRule]]:
    """The enabled rules watching each of these event types (one query for a batch of events, none while
    the rules have not changed)."""
    key = frozenset(event_types)
    loaded = _enabled_rules.get(key, lambda: _load_enabled_rules(key)) or {}
    return {event_type: list(loaded.get(event_type, [])) for event_type in event_types}


def _load_enabled_rules(event_types: frozenset[str]) -> dict[str, list[AlertRule]]:
    rules: dict[str, list[AlertRule]] = {event_type: [] for event_type in event_types}
    for rule in AlertRule.objects.filter(enabled=True, event_type__in=event_types).select_related("escalation_policy"):
        rules[rule.event_type].append(rule)
    return rules


def forget_alert_rules() -> None:
    _enabled_rules.forget()


def match_rules(
    event: dict[str, Any], *, count_windows: bool = True, rules: list[AlertRule] | None = None
) -> list[Match]:
    """The enabled rules (or those given) this event fires. Windowed rules count the event in Redis first
    (by event id, so a redelivered event is not counted twice) and fire only above their threshold."""
    found = []
    if rules is None:
        rules = enabled_rules({event["type"]})[event["type"]]
    for rule in rules:
        if not matches(event, rule.conditions):
            continue
        group_key = render(rule.group_by, event) if rule.group_by else ""
        if rule.threshold is not None and count_windows:
            stats = get_velocity_store().record(
                window=f"alert:{rule.pk}:{group_key}",
                member=str(event.get("event_id")),
                amount=0,
                at=_event_time(event),
                window_seconds=rule.window_seconds or 60,
            )
            if stats.count <= rule.threshold:
                continue
        found.append(Match(rule=rule, group_key=group_key, fingerprint=fingerprint(rule, group_key, event)))
    return found


def _details(event: dict[str, Any], previous: dict[str, Any] | None = None) -> dict[str, Any]:
    details = dict(previous or {})
    data = event.get("data") or {}
    if data.get("merchant_id"):
        details["merchant_id"] = data["merchant_id"]
    if data.get("transaction_id"):
        ids = [tid for tid in details.get("transaction_ids", []) if tid != data["transaction_id"]]
        details["transaction_ids"] = [*ids, data["transaction_id"]][-MAX_TRANSACTIONS_IN_DETAILS:]
    if isinstance(data.get("labels"), dict):
        details["labels"] = data["labels"]
    return details


# --- Opening and updating -------------------------------------------------------------------------


def fire(*, match: Match, event: dict[str, Any], severity: str | None = None) -> Incident:
    """Open an incident for the match's fingerprint, or count one more match on the open one (whichever rule
    opened it). Call in a transaction."""
    now = timezone.now()
    rule, group_key = match.rule, match.group_key
    incident = _open_incident(match.fingerprint)
    if incident is not None:
        incident.match_count += 1
        incident.last_match_at = now
        incident.details = _details(event, incident.details)
        incident.save(update_fields=["match_count", "last_match_at", "details"])
        return incident
    try:
        with transaction.atomic():  # a savepoint: another worker may open the same incident at once
            incident = Incident.objects.create(
                rule=rule,
                group_key=group_key,
                fingerprint=match.fingerprint,
                severity=severity if severity in Severity.values else rule.severity,
                summary=render(rule.summary, event)[:500],
                details=_details(event),
                opened_at=now,
                last_match_at=now,
                escalation_chain=snapshot_chain(rule),
            )
    except IntegrityError:
        return fire(match=match, event=event, severity=severity)
    history.record(incident, "opened", note=f"first match: event {event.get('event_id', '')}")
    notify_level(incident, 0, now=now)
    history.emit(incident, "opened", actor="system")
    return incident


def _locked() -> QuerySet[Incident]:
    """Incidents locked for a change, with their rule read along but not locked: incidents of one rule
    do not wait for each other."""
    return Incident.objects.select_for_update(of=("self",)).select_related("rule")


def _open_incident(fingerprint: str) -> Incident | None:
    return _locked().filter(fingerprint=fingerprint).exclude(state=IncidentState.RESOLVED).first()


# --- Acknowledge and resolve ----------------------------------------------------------------------


def acknowledge_incident(*, incident_id: Any, actor: str) -> Incident:
    with transaction.atomic():
        incident = _locked().get(pk=incident_id)
        if incident.state != IncidentState.FIRING:
            raise IncidentStateError(_state_message(incident))
        incident.state = IncidentState.ACKNOWLEDGED
        incident.acknowledged_at, incident.acknowledged_by = timezone.now(), actor
        # While acknowledged, next_escalation_at is when the acknowledgement runs out (escalation.py).
        timeout = settings.ALERTS_ACK_TIMEOUT_SECONDS
        incident.next_escalation_at = incident.acknowledged_at + timedelta(seconds=timeout) if timeout else None
        incident.save(update_fields=["state", "acknowledged_at", "acknowledged_by", "next_escalation_at"])
        _audit(incident, "acknowledge", actor=actor, before=IncidentState.FIRING)
        update_messages(incident)
        history.emit(incident, "acknowledged", actor=actor)
    return incident


def resolve_incident(*, incident_id: Any, actor: str, note: str = "") -> Incident:
    with transaction.atomic():
        incident = _locked().get(pk=incident_id)
        if incident.state == IncidentState.RESOLVED:
            raise IncidentStateError(_state_message(incident))
        _resolve(incident, actor=actor, note=note)
    return incident


def _resolve(incident: Incident, *, actor: str, note: str = "") -> None:
    before = incident.state
    incident.state = IncidentState.RESOLVED
    incident.resolved_at, incident.resolved_by = timezone.now(), actor
    incident.next_escalation_at = None
    incident.save(update_fields=["state", "resolved_at", "resolved_by", "next_escalation_at"])
    _audit(incident, "resolve", actor=actor, before=before, note=note)
    update_messages(incident)
    history.emit(incident, "resolved", actor=actor)


def resolve_matching(*, match: Match, actor: str, note: str = "") -> Incident | None:
    """Resolve the open incident of the match's fingerprint, if any (Alertmanager's `resolved`)."""
    with transaction.atomic():
        incident = _open_incident(match.fingerprint)
        if incident is not None:
            _resolve(incident, actor=actor, note=note)
        return incident


def resolve_quiet_incidents(*, now: datetime | None = None) -> int:
    """Resolve open incidents whose rule has a quiet period and that have not matched for that long."""
    now = now or timezone.now()
    resolved = 0
    candidates = Incident.objects.exclude(state=IncidentState.RESOLVED).filter(
        rule__resolve_after_seconds__isnull=False
    )
    for incident_id, last_match_at, quiet in candidates.values_list(
        "pk", "last_match_at", "rule__resolve_after_seconds"
    ):
        if last_match_at + timedelta(seconds=quiet) > now:
            continue
        with transaction.atomic():
            incident = _locked().get(pk=incident_id)
            if incident.is_open and incident.last_match_at + timedelta(seconds=quiet) <= now:
                _resolve(incident, actor="system", note=f"no match for {quiet} s")
                resolved += 1
    return resolved


def _audit(incident: Incident, verb: str, *, actor: str, before: str, note: str = "") -> None:
    """Acknowledgements and resolutions (admin, Telegram, Alertmanager, the quiet period) in the audit log,
    the incident's history."""
    record(
        actor=actor,
        action=f"incident.{verb}",
        target=incident,
        before={"state": before},
        after={"state": incident.state},
        note=note,
    )


def _state_message(incident: Incident) -> str:
    if incident.state == IncidentState.ACKNOWLEDGED:
        return f"already acknowledged by {incident.acknowledged_by}"
    if incident.state == IncidentState.RESOLVED:
        return f"already resolved by {incident.resolved_by}"
    return f"incident is {incident.state}"
