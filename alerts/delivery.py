"""Delivering notifications: claim a due row, call the notifier outside any transaction, record the outcome.

A row stays pending until the notifier accepts it, so a Telegram outage delays messages but never loses
them; failures back off exponentially with jitter (Celery's helper), and a Telegram 429 is honoured.
"""

import logging
from datetime import timedelta

from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .adapters import get_notifier
from .adapters.ports import DeliveryError, Notifier
from .messages import incident_buttons
from .metrics import NOTIFICATIONS
from .models import Notification, NotificationStatus

logger = logging.getLogger(__name__)


def _claim(*, limit: int, **filters: object) -> list[int]:
    """Mark due rows as taken for a while (a crashed sender's rows come back after the claim expires)."""
    now = timezone.now()
    with transaction.atomic():
        rows = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(status=NotificationStatus.PENDING, next_attempt_at__lte=now, **filters)
            .order_by("next_attempt_at")[:limit]
        )
        for row in rows:
            row.attempts += 1
            row.next_attempt_at = now + timedelta(seconds=settings.ALERTS_SEND_CLAIM_SECONDS)
            row.save(update_fields=["attempts", "next_attempt_at"])
    return [row.pk for row in rows]


def deliver_notification(notification_id: int, *, notifier: Notifier | None = None) -> bool:
    """Send one notification if it is due. Returns True when it was sent."""
    claimed = _claim(limit=1, pk=notification_id)
    return bool(claimed) and _send(claimed[0], notifier or get_notifier())


def deliver_due_notifications(*, limit: int = 100, notifier: Notifier | None = None) -> int:
    """The periodic safety net: send everything due, oldest first."""
    notifier = notifier or get_notifier()
    claimed = _claim(limit=limit)
    return sum(_send(pk, notifier) for pk in claimed)


def _send(notification_id: int, notifier: Notifier) -> bool:
    notification = Notification.objects.select_related("incident", "incident__rule", "reply_to").get(pk=notification_id)
    buttons = incident_buttons(notification.incident) if notification.with_buttons else []
    try:
        if notification.reply_to_id is None:
            message_id = notifier.send(chat_id=notification.chat_id, text=notification.text, buttons=buttons)
        else:
            message_id = _edit(notification, notifier, buttons)
    except DeliveryError as exc:
        _failed(notification, exc)
        NOTIFICATIONS.labels(outcome="refused" if exc.permanent else "retry").inc()
        return False
    NOTIFICATIONS.labels(outcome="sent").inc()
    Notification.objects.filter(pk=notification.pk).update(
        status=NotificationStatus.SENT, sent_at=timezone.now(), message_id=message_id, last_error=""
    )
    return True


def _edit(notification: Notification, notifier: Notifier, buttons: list) -> int | None:
    original = notification.reply_to
    assert original is not None
    if original.status == NotificationStatus.FAILED:
        raise DeliveryError("the original message was never delivered", permanent=True)
    if original.message_id is None:  # not sent yet: the edit waits for it
        raise DeliveryError("the original message is not sent yet")
    notifier.edit(chat_id=notification.chat_id, message_id=original.message_id, text=notification.text, buttons=buttons)
    return original.message_id


def _failed(notification: Notification, error: DeliveryError) -> None:
    if error.permanent:
        status, next_attempt_at = NotificationStatus.FAILED, notification.next_attempt_at
        logger.error("notification %s to chat %s refused: %s", notification.pk, notification.chat_id, error)
    else:
        delay = error.retry_after or get_exponential_backoff_interval(
            factor=settings.ALERTS_SEND_BACKOFF_SECONDS,
            retries=notification.attempts - 1,
            maximum=settings.ALERTS_SEND_BACKOFF_MAX_SECONDS,
            full_jitter=True,
        )
        status, next_attempt_at = NotificationStatus.PENDING, timezone.now() + timedelta(seconds=max(delay, 1))
        logger.warning(
            "notification %s to chat %s failed (attempt %d), retrying in %.0f s: %s",
            notification.pk,
            notification.chat_id,
            notification.attempts,
            max(delay, 1),
            error,
        )
    Notification.objects.filter(pk=notification.pk).update(
        status=status, next_attempt_at=next_attempt_at, last_error=str(error)[:500]
    )
