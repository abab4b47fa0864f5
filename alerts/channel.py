"""On-call notifications as a channel of the delivery engine (outbound/): what is Telegram's own is the
message, its buttons, and editing a message sent earlier. A Telegram outage delays messages but never
loses them within the retry window; a 429's pause is honoured."""

import logging

from django.db.models import QuerySet
from django.utils import timezone

from outbound.channels import Attempt

from .adapters import get_notifier
from .adapters.ports import DeliveryError, Notifier
from .messages import incident_buttons
from .models import Notification, NotificationStatus

logger = logging.getLogger(__name__)


class NotificationChannel:
    name = "telegram"
    model = Notification
    target_field = "chat_id"

    def due(self, messages: QuerySet) -> QuerySet:
        return messages

    def load(self, message_id: str) -> Notification:
        return Notification.objects.select_related("incident", "incident__rule", "reply_to").get(pk=message_id)

    def attempt(self, notification: Notification, *, deadline_seconds: float) -> Attempt:
        notifier = get_notifier()
        buttons = incident_buttons(notification.incident) if notification.with_buttons else []
        try:
            if notification.reply_to_id is None:
                message_id = notifier.send(chat_id=notification.chat_id, text=notification.text, buttons=buttons)
            else:
                message_id = _edit(notification, notifier, buttons)
        except DeliveryError as exc:
            return Attempt(delivered=False, error=str(exc), permanent=exc.permanent, retry_after=exc.retry_after)
        return Attempt(delivered=True, recorded={"sent_at": timezone.now(), "message_id": message_id})

    def gave_up(self, notification: Notification, *, reason: str) -> None:
        logger.error("notification %s to chat %s given up: %s", notification.pk, notification.chat_id, reason)


def _edit(notification: Notification, notifier: Notifier, buttons: list) -> int | None:
    original = notification.reply_to
    assert original is not None
    if original.status == NotificationStatus.FAILED:
        raise DeliveryError("the original message was never delivered", permanent=True)
    if original.message_id is None:  # not sent yet: the edit waits for it
        raise DeliveryError("the original message is not sent yet")
    notifier.edit(chat_id=notification.chat_id, message_id=original.message_id, text=notification.text, buttons=buttons)
    return original.message_id
