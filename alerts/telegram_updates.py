"""Button presses from Telegram (callback queries): act on the incident as the linked Django user."""

import logging
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError

from .adapters import get_notifier
from .adapters.ports import DeliveryError
from .errors import IncidentStateError
from .models import Incident, TelegramAccount
from .services import acknowledge_incident, resolve_incident

logger = logging.getLogger(__name__)
ACTIONS = {"ack": acknowledge_incident, "resolve": resolve_incident}
DONE = {"ack": "Acknowledged", "resolve": "Resolved"}


@dataclass(frozen=True, slots=True)
class CallbackOutcome:
    answer: str
    acted: bool


def handle_update(update: dict[str, Any]) -> CallbackOutcome | None:
    """Handle a callback query; other update types (plain messages) are ignored."""
    query = update.get("callback_query")
    if not isinstance(query, dict) or "id" not in query:
        return None
    outcome = _act(query)
    try:
        get_notifier().answer_callback(callback_query_id=str(query["id"]), text=outcome.answer)
    except DeliveryError as exc:  # the spinner on the button times out by itself; the action stands
        logger.warning("could not answer callback %s: %s", query["id"], exc)
    return outcome


def _act(query: dict[str, Any]) -> CallbackOutcome:
    telegram_user_id = (query.get("from") or {}).get("id")
    account = (
        TelegramAccount.objects.select_related("user").filter(telegram_user_id=telegram_user_id).first()
        if isinstance(telegram_user_id, int)
        else None
    )
    if account is None or not account.user.is_active:
        logger.warning("button press from unknown Telegram user %s refused", telegram_user_id)
        return CallbackOutcome("You are not linked to a payproc user; nothing was done.", acted=False)
    if not account.user.has_perm("alerts.change_incident"):
        return CallbackOutcome("Your payproc user may not act on incidents.", acted=False)
    action, _, incident_id = str(query.get("data", "")).partition(":")
    if action not in ACTIONS:
        return CallbackOutcome("Unknown action.", acted=False)
    try:
        ACTIONS[action](incident_id=incident_id, actor=account.user.get_username())
    except (Incident.DoesNotExist, ValidationError):
        return CallbackOutcome("No such incident.", acted=False)
    except IncidentStateError as exc:
        return CallbackOutcome(f"Nothing done: {exc}.", acted=False)
    return CallbackOutcome(f"{DONE[action]} as {account.user.get_username()}.", acted=True)
