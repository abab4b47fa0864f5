"""Incidents: open or update on a match, escalate, acknowledge, resolve. Every change writes its history,
its notifications and an `alerts.incident` event in the same database transaction."""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from antifraud.adapters.velocity import get_velocity_store
from transactions.events import enqueue_event

from .events import INCIDENT
from .matching import matches, render
from .messages import incident_buttons, incident_text
from .metrics import INCIDENTS
from .models import (
    AlertRule,
    Incident,
    IncidentEvent,
    IncidentState,
    Notification,
    NotificationStatus,
    Severity,
    Silence,
)

logger = logging.getLogger(__name__)
MAX_TRANSACTIONS_IN_DETAILS = 20
HEADINGS = {False: "⬆️ Escalated: not acknowledged", True: "🔁 Still firing, not acknowledged"}


class IncidentStateError(Exception):
    """The incident is no longer in a state that allows the action (e.g. someone acknowledged it first)."""

    code = "incident_state"


@dataclass(frozen=True, slots=True)
class Match:
    rule: AlertRule
    group_key: str


@dataclass(frozen=True, slots=True)
class Level:
    delay_seconds: int
    targets: list[str]


# --- Matching -----------------------------------------------------------------------------------


def _event_time(event: dict[str, Any]) -> float:
    occurred = event.get("occurred_at")
    parsed = datetime.fromisoformat(occurred) if isinstance(occurred, str) else None
    return (parsed or timezone.now()).timestamp()


def match_rules(event: dict[str, Any], *, count_windows: bool = True) -> list[Match]:
    """The enabled rules this event fires. Windowed rules count the event in Redis first (by event id,
    so a redelivered event is not counted twice) and fire only above their threshold."""
    found = []
    for rule in AlertRule.objects.filter(enabled=True, event_type=event["type"]).select_related("escalation_policy"):
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
        found.append(Match(rule=rule, group_key=group_key))
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
    """Open an incident for (rule, group key), or count one more match on the open one. Call in a transaction."""
    now = timezone.now()
    rule, group_key = match.rule, match.group_key
    incident = _open_incident(rule, group_key)
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
                severity=severity if severity in Severity.values else rule.severity,
                summary=render(rule.summary, event)[:500],
                details=_details(event),
                opened_at=now,
                last_match_at=now,
            )
    except IntegrityError:
        return fire(match=match, event=event, severity=severity)
    _history(incident, "opened", note=f"first match: event {event.get('event_id', '')}")
    _notify_level(incident, 0, now=now)
    _emit(incident, "opened", actor="system")
    return incident


def _open_incident(rule: AlertRule, group_key: str) -> Incident | None:
    return (
        Incident.objects.select_for_update()
        .select_related("rule")
        .filter(rule=rule, group_key=group_key)
        .exclude(state=IncidentState.RESOLVED)
        .first()
    )


# --- Escalation and notifications -----------------------------------------------------------------


def levels_for(rule: AlertRule) -> list[Level]:
    """The rule's policy levels; without a policy (or with empty targets) the default chats are used."""
    default = list(settings.ALERTS_DEFAULT_CHAT_IDS) or [""]  # "": the console notifier's only chat
    if rule.escalation_policy is None:
        return [Level(delay_seconds=0, targets=default)]
    levels = [
        Level(delay_seconds=level.delay_seconds, targets=[str(t) for t in level.targets] or default)
        for level in rule.escalation_policy.levels.order_by("position")
    ]
    return levels or [Level(delay_seconds=0, targets=default)]


def active_silence(incident: Incident, *, now: datetime) -> Silence | None:
    candidates = Silence.objects.filter(starts_at__lte=now, ends_at__gt=now).filter(
        rule__isnull=True
    ) | Silence.objects.filter(starts_at__lte=now, ends_at__gt=now, rule=incident.rule_id)
    for silence in candidates.order_by("-ends_at"):
        if not silence.group_key or silence.group_key == incident.group_key:
            return silence
    return None


def _notify_level(incident: Incident, index: int, *, now: datetime, heading: str = "") -> bool:
    """Notify one level and schedule the next step. Under a silence nothing is sent and the level is held
    until the silence ends, so nobody is skipped. Returns whether the level was notified."""
    levels = levels_for(incident.rule)
    index = min(index, len(levels) - 1)
    silence = active_silence(incident, now=now)
    if silence is not None:
        incident.next_escalation_at = silence.ends_at
        incident.save(update_fields=["next_escalation_at"])
        _history(
            incident,
            "silenced",
            note=f"level {index + 1} held until {silence.ends_at:%Y-%m-%d %H:%M} UTC: "
            f"{silence.reason} ({silence.created_by})",
        )
        return False
    incident.escalation_level = index
    following = levels[index + 1].delay_seconds if index + 1 < len(levels) else incident.rule.repeat_interval_seconds
    incident.next_escalation_at = now + timedelta(seconds=following)
    incident.save(update_fields=["escalation_level", "next_escalation_at"])
    text, buttons = incident_text(incident, heading=heading), incident_buttons(incident)
    for chat_id in levels[index].targets:
        _queue(incident, chat_id=chat_id, text=text, with_buttons=bool(buttons), now=now)
    _history(incident, "notified", note=f"level {index + 1}: {', '.join(levels[index].targets) or 'console'}")
    return True


def _queue(
    incident: Incident,
    *,
    chat_id: str,
    text: str,
    with_buttons: bool,
    now: datetime,
    reply_to: Notification | None = None,
) -> Notification:
    notification = Notification.objects.create(
        incident=incident,
        chat_id=chat_id,
        kind="update" if reply_to else "message",
        text=text,
        with_buttons=with_buttons,
        reply_to=reply_to,
        next_attempt_at=now,
        created_at=now,
    )

    def hand_to_worker() -> None:
        from .tasks import deliver_notification

        try:
            deliver_notification.delay(notification.pk)
        except Exception:  # noqa: BLE001 - broker down: the beat safety net delivers it
            logger.warning("could not queue notification %s; the periodic delivery will send it", notification.pk)

    transaction.on_commit(hand_to_worker)
    return notification


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
            if not _notify_level(incident, incident.escalation_level + 1, now=now, heading=heading):
                continue
            if not first:
                _history(
                    incident, "repeated" if repeating else "escalated", note=f"level {incident.escalation_level + 1}"
                )
                _emit(incident, "escalated", actor="system")
            escalated += 1
    return escalated


# --- Acknowledge and resolve ----------------------------------------------------------------------


def acknowledge_incident(*, incident_id: Any, actor: str) -> Incident:
    with transaction.atomic():
        incident = Incident.objects.select_for_update().select_related("rule").get(pk=incident_id)
        if incident.state != IncidentState.FIRING:
            raise IncidentStateError(_state_message(incident))
        incident.state = IncidentState.ACKNOWLEDGED
        incident.acknowledged_at, incident.acknowledged_by = timezone.now(), actor
        incident.next_escalation_at = None
        incident.save(update_fields=["state", "acknowledged_at", "acknowledged_by", "next_escalation_at"])
        _history(incident, "acknowledged", actor=actor)
        _update_messages(incident)
        _emit(incident, "acknowledged", actor=actor)
    return incident


def resolve_incident(*, incident_id: Any, actor: str, note: str = "") -> Incident:
    with transaction.atomic():
        incident = Incident.objects.select_for_update().select_related("rule").get(pk=incident_id)
        if incident.state == IncidentState.RESOLVED:
            raise IncidentStateError(_state_message(incident))
        _resolve(incident, actor=actor, note=note)
    return incident


def _resolve(incident: Incident, *, actor: str, note: str = "") -> None:
    incident.state = IncidentState.RESOLVED
    incident.resolved_at, incident.resolved_by = timezone.now(), actor
    incident.next_escalation_at = None
    incident.save(update_fields=["state", "resolved_at", "resolved_by", "next_escalation_at"])
    _history(incident, "resolved", actor=actor, note=note)
    _update_messages(incident)
    _emit(incident, "resolved", actor=actor)


def resolve_matching(*, match: Match, actor: str, note: str = "") -> Incident | None:
    """Resolve the open incident of (rule, group key), if any (Alertmanager's `resolved`)."""
    with transaction.atomic():
        incident = _open_incident(match.rule, match.group_key)
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
            incident = Incident.objects.select_for_update().select_related("rule").get(pk=incident_id)
            if incident.is_open and incident.last_match_at + timedelta(seconds=quiet) <= now:
                _resolve(incident, actor="system", note=f"no match for {quiet} s")
                resolved += 1
    return resolved


def _state_message(incident: Incident) -> str:
    if incident.state == IncidentState.ACKNOWLEDGED:
        return f"already acknowledged by {incident.acknowledged_by}"
    if incident.state == IncidentState.RESOLVED:
        return f"already resolved by {incident.resolved_by}"
    return f"incident is {incident.state}"


def _update_messages(incident: Incident) -> None:
    """Edit every message sent about the incident so each chat sees its new state (and fewer buttons)."""
    now = timezone.now()
    text, buttons = incident_text(incident), incident_buttons(incident)
    originals = incident.notifications.filter(kind="message").exclude(status=NotificationStatus.FAILED)
    for original in originals:
        _queue(incident, chat_id=original.chat_id, text=text, with_buttons=bool(buttons), now=now, reply_to=original)


def _history(incident: Incident, kind: str, *, actor: str = "system", note: str = "") -> None:
    IncidentEvent.objects.create(incident=incident, at=timezone.now(), kind=kind, actor=actor, note=note[:500])


def _emit(incident: Incident, change: str, *, actor: str) -> None:
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
