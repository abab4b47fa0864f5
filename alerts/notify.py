"""Who hears about an incident: the escalation levels, silences, and the notifications queued for delivery."""

import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from outbound.engine import dispatch_soon

from . import history
from .messages import incident_buttons, incident_text
from .models import AlertRule, Incident, Notification, NotificationStatus, Silence

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Level:
    delay_seconds: int
    targets: list[str]


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


def chain_for(incident: Incident) -> list[Level]:
    """The levels copied onto the incident when it opened (its rule's current ones for older incidents)."""
    if incident.escalation_chain:
        return [
            Level(delay_seconds=int(level["delay_seconds"]), targets=list(level["targets"]))
            for level in incident.escalation_chain
        ]
    return levels_for(incident.rule)


def snapshot_chain(rule: AlertRule) -> list[dict]:
    """The rule's levels as they are now, to copy onto an incident that opens."""
    return [asdict(level) for level in levels_for(rule)]


def active_silence(incident: Incident, *, now: datetime) -> Silence | None:
    """The silence covering the incident now (its rule or all rules; its grouping key or all), longest first."""
    return (
        Silence.objects.filter(starts_at__lte=now, ends_at__gt=now)
        .filter(Q(rule__isnull=True) | Q(rule=incident.rule_id))
        .filter(Q(group_key="") | Q(group_key=incident.group_key))
        .order_by("-ends_at")
        .first()
    )


def notify_level(incident: Incident, index: int, *, now: datetime, heading: str = "") -> bool:
    """Notify one level and schedule the next step. Under a silence nothing is sent and the level is held
    until the silence ends, so nobody is skipped. Returns whether the level was notified."""
    levels = chain_for(incident)
    index = min(index, len(levels) - 1)
    silence = active_silence(incident, now=now)
    if silence is not None:
        incident.next_escalation_at = silence.ends_at
        incident.save(update_fields=["next_escalation_at"])
        history.record(
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
        queue_notification(incident, chat_id=chat_id, text=text, with_buttons=bool(buttons), now=now)
    history.record(incident, "notified", note=f"level {index + 1}: {', '.join(levels[index].targets) or 'console'}")
    return True


def queue_notification(
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
    transaction.on_commit(lambda: dispatch_soon("telegram"))
    return notification


def update_messages(incident: Incident) -> None:
    """Edit every message sent about the incident so each chat sees its new state (and fewer buttons)."""
    now = timezone.now()
    text, buttons = incident_text(incident), incident_buttons(incident)
    originals = incident.notifications.filter(kind="message").exclude(status=NotificationStatus.FAILED)
    for original in originals:
        queue_notification(
            incident, chat_id=original.chat_id, text=text, with_buttons=bool(buttons), now=now, reply_to=original
        )
