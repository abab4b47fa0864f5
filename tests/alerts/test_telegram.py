"""Telegram through python-telegram-bot against the Bot API stand-in: messages, buttons, retries."""

import uuid
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from alerts.escalation import escalate_due_incidents
from alerts.evaluation import evaluate_event
from alerts.models import Incident, Notification
from audit.models import AuditEntry

from .conftest import BOT_TOKEN, WEBHOOK_SECRET
from .helpers import decision_event, deliver_due


@pytest.fixture
def incident(fraud_spike_rule, bot_api):
    for _ in range(6):
        evaluate_event(decision_event(score=97))
    return Incident.objects.get()


def press(button: str, incident: Incident, *, user_id: int = 555, secret: str = WEBHOOK_SECRET):
    update = {
        "update_id": 1,
        "callback_query": {
            "id": "cbq-1",
            "from": {"id": user_id, "is_bot": False, "first_name": "Olga"},
            "chat_instance": "1",
            "data": f"{button}:{incident.pk}",
        },
    }
    return Client().post(
        "/alerts/telegram", update, content_type="application/json", headers={"X-Telegram-Bot-Api-Secret-Token": secret}
    )


def test_an_incident_is_one_message_with_its_buttons(incident, bot_api):
    assert deliver_due() == 1

    [message] = bot_api.sent("sendMessage")
    assert message["chat_id"] == "1001"
    assert "CRITICAL" in message["text"] and "Fraud spike at merchant" in message["text"]
    assert f"/admin/alerts/incident/{incident.pk}/change/" in message["text"]
    assert "/admin/transactions/transaction/" in message["text"]
    buttons = [b["callback_data"] for b in message["reply_markup"]["inline_keyboard"][0]]
    assert buttons == [f"ack:{incident.pk}", f"resolve:{incident.pk}"]
    assert bot_api.calls[0].token == BOT_TOKEN
    assert Notification.objects.get().status == "sent"


@pytest.mark.parametrize("failure", [{"mode": "status500"}, {"mode": "stall", "seconds": 1.5}])
def test_failed_sends_are_retried_with_backoff_until_the_message_arrives_once(incident, bot_api, failure):
    bot_api.fail_next(2, **failure)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        assert deliver_due() == 0
        notification = Notification.objects.get()
        assert (notification.status, notification.attempts) == ("pending", 1)
        assert notification.next_attempt_at > timezone.now() and notification.last_error
        assert deliver_due() == 0  # not due yet: backing off

        clock.shift(timedelta(seconds=30))
        assert deliver_due() == 0
        clock.shift(timedelta(minutes=5))
        assert deliver_due() == 1
    assert len(bot_api.sent("sendMessage")) == 1
    assert Notification.objects.get().attempts == 3


def test_a_refused_message_is_kept_as_failed(incident, bot_api):
    bot_api.fail_next(1, mode="status400")
    deliver_due()

    notification = Notification.objects.get()
    assert notification.status == "failed" and "chat not found" in notification.last_error.lower()


def test_telegram_down_does_not_block_event_processing(fraud_spike_rule, bot_api):
    bot_api.fail_next(100)
    for _ in range(6):
        evaluate_event(decision_event(score=97))
    deliver_due()

    assert Incident.objects.get().match_count == 3
    assert Notification.objects.get().status == "pending"


def test_acknowledge_button_acts_as_the_linked_user_and_stops_escalation(incident, bot_api, on_call_user):
    deliver_due()

    response = press("ack", incident)

    assert response.status_code == 200 and response.json()["acted"] is True
    incident.refresh_from_db()
    assert (incident.state, incident.acknowledged_by) == ("acknowledged", "olga")
    audited = AuditEntry.objects.get(action="incident.acknowledge")
    assert (audited.actor, audited.before, audited.after) == ("olga", {"state": "firing"}, {"state": "acknowledged"})
    assert bot_api.sent("answerCallbackQuery")[0]["text"] == "Acknowledged as olga."
    with time_machine.travel(timezone.now() + timedelta(minutes=50)):  # within the acknowledgement timeout
        assert escalate_due_incidents() == 0
    assert deliver_due() == 1  # the edit of the first message
    [edit] = bot_api.sent("editMessageText")
    assert edit["message_id"] == str(bot_api.sent("sendMessage")[0]["_message_id"])
    assert "Acknowledged by olga" in edit["text"]
    assert [b["callback_data"] for b in edit["reply_markup"]["inline_keyboard"][0]] == [f"resolve:{incident.pk}"]


def test_resolve_button_resolves(incident, bot_api, on_call_user):
    assert press("resolve", incident).json()["acted"] is True
    incident.refresh_from_db()
    assert (incident.state, incident.resolved_by) == ("resolved", "olga")


def test_unknown_telegram_users_are_refused(incident, bot_api, on_call_user):
    response = press("ack", incident, user_id=999)

    assert response.status_code == 200 and response.json()["acted"] is False
    incident.refresh_from_db()
    assert incident.state == "firing"
    assert "not linked" in bot_api.sent("answerCallbackQuery")[0]["text"]


def test_a_linked_user_without_the_permission_is_refused(incident, bot_api, on_call_user):
    on_call_user.groups.clear()

    assert press("ack", incident).json()["acted"] is False
    incident.refresh_from_db()
    assert incident.state == "firing"


def test_a_second_press_says_who_acted_first(incident, bot_api, on_call_user):
    press("ack", incident)
    assert press("ack", incident).json()["acted"] is False
    assert bot_api.sent("answerCallbackQuery")[1]["text"] == "Nothing done: already acknowledged by olga."


def test_webhook_without_the_secret_token_is_rejected(incident, bot_api, on_call_user):
    response = press("ack", incident, secret="guess")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_webhook_secret"
    incident.refresh_from_db()
    assert incident.state == "firing"


def test_webhook_is_closed_when_no_secret_is_configured(incident, bot_api, on_call_user, settings):
    settings.TELEGRAM_WEBHOOK_SECRET = ""
    response = press("ack", incident, secret="")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "webhook_not_configured"


def test_without_a_bot_token_the_console_notifier_prints_the_message(fraud_spike_rule, caplog):
    for _ in range(4):
        evaluate_event(decision_event(score=97))
    with caplog.at_level("WARNING", logger="payproc.alerts"):
        assert deliver_due() == 1
    assert "Fraud spike at merchant" in caplog.text


def test_malformed_webhook_bodies_get_a_clear_400(incident, bot_api):
    response = Client().post(
        "/alerts/telegram",
        "{not json",
        content_type="application/json",
        headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_request"


def test_updates_that_are_not_button_presses_are_ignored(incident, bot_api, on_call_user):
    response = Client().post(
        "/alerts/telegram",
        {"update_id": 2, "message": {"message_id": 1, "text": "hello"}},
        content_type="application/json",
        headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
    )
    assert response.status_code == 200 and response.json() == {"ok": True, "acted": False}
    assert bot_api.calls == []


@pytest.mark.parametrize("data", ["ack:not-a-uuid", "ack:6f1c9b7e-0000-4000-8000-00000000dead", "explode:1"])
def test_button_data_that_names_no_incident_is_answered_and_changes_nothing(incident, bot_api, on_call_user, data):
    update = {
        "update_id": 3,
        "callback_query": {
            "id": "cbq-9",
            "from": {"id": 555, "is_bot": False, "first_name": "Olga"},
            "chat_instance": "1",
            "data": data,
        },
    }
    response = Client().post(
        "/alerts/telegram",
        update,
        content_type="application/json",
        headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
    )

    assert response.status_code == 200 and response.json()["acted"] is False
    assert bot_api.sent("answerCallbackQuery")[0]["text"] in {"No such incident.", "Unknown action."}
    incident.refresh_from_db()
    assert incident.state == "firing"


def test_a_send_queued_to_a_worker_that_died_goes_out_after_its_lease_expires(incident, bot_api, settings):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        # Leased and queued, and the task was lost before it started: nothing counted, nothing sent.
        Notification.objects.update(lease_token=uuid.uuid4(), lease_until=timezone.now() + timedelta(seconds=300))
        assert deliver_due() == 0
        clock.shift(timedelta(seconds=301))
        assert deliver_due() == 1
    assert len(bot_api.sent("sendMessage")) == 1
    assert Notification.objects.get().attempts == 1


def test_an_attempt_whose_worker_died_mid_send_counts_and_backs_off(incident, bot_api, settings):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        # Started (counted before sending), then its worker was killed: the lease runs out unrecorded.
        Notification.objects.update(
            attempts=1, sending=True, lease_token=uuid.uuid4(), lease_until=timezone.now() + timedelta(seconds=40)
        )
        clock.shift(timedelta(seconds=41))
        assert deliver_due() == 0
        lost = Notification.objects.get()
        assert (lost.status, lost.attempts, lost.sending, lost.lease_token) == ("pending", 1, False, None)
        assert "did not finish" in lost.last_error and lost.next_attempt_at > timezone.now()
        clock.shift(timedelta(seconds=settings.OUTBOUND_TELEGRAM_BACKOFF_BASE_SECONDS))
        assert deliver_due() == 1
    assert Notification.objects.get().attempts == 2


def test_a_message_still_failing_after_its_retry_window_is_given_up(incident, bot_api, settings):
    bot_api.fail_next(100)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        deliver_due()
        clock.shift(timedelta(seconds=settings.OUTBOUND_TELEGRAM_RETRY_WINDOW_SECONDS + 1))
        deliver_due()
    notification = Notification.objects.get()
    assert (notification.status, notification.attempts, notification.next_attempt_at) == ("failed", 2, None)


def test_the_bot_token_never_reaches_the_logs(incident, bot_api, caplog):
    with caplog.at_level("DEBUG"):
        bot_api.fail_next(1)
        deliver_due()  # a failure is logged too
    assert "telegram message" in caplog.text
    assert BOT_TOKEN not in caplog.text and BOT_TOKEN.split(":")[1] not in caplog.text


def test_a_log_line_carrying_the_bot_token_is_masked(bot_api):
    import logging

    from payproc.http.logging import SecretRedactionFilter

    record = logging.LogRecord(
        "x", logging.ERROR, __file__, 1, "POST %s failed", (f"{bot_api.url}{BOT_TOKEN}/x",), None
    )
    SecretRedactionFilter().filter(record)
    assert BOT_TOKEN not in record.getMessage() and "[bot token]" in record.getMessage()


def test_a_message_longer_than_the_limit_is_cut_and_keeps_the_incident_link(incident, monkeypatch):
    from alerts import messages

    monkeypatch.setattr(messages, "MAX_MESSAGE_LENGTH", 200)
    incident.summary = "payment 🔴 " * 45

    text = messages.incident_text(incident, heading="Escalated: level 2")

    assert len(text.encode("utf-16-le")) // 2 <= 200
    assert text.startswith("Escalated: level 2\n")
    assert "(cut: the whole text is on the incident page)" in text
    assert text.endswith(f"/admin/alerts/incident/{incident.pk}/change/")


def test_the_bot_api_stand_in_refuses_texts_over_telegrams_limit_as_telegram_does(incident, bot_api):
    from alerts.adapters import get_notifier
    from alerts.adapters.ports import DeliveryError

    with pytest.raises(DeliveryError, match="too long"):
        get_notifier().send(chat_id="1001", text="x" * 4097, buttons=[])
    assert get_notifier().send(chat_id="1001", text="x" * 4096, buttons=[]) is not None


def test_the_webhook_is_registered_on_the_https_url_with_its_secret(bot_api, settings, capsys):
    from django.core.management import call_command

    settings.PUBLIC_BASE_URL = "https://payproc.example.com"

    call_command("telegram_set_webhook")

    [call] = bot_api.sent("setWebhook")
    assert call["url"] == "https://payproc.example.com/alerts/telegram"
    assert call["secret_token"] == WEBHOOK_SECRET
    assert "webhook set" in capsys.readouterr().out


def test_a_plain_http_public_url_is_refused_before_telegram_is_asked(bot_api, settings):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    settings.PUBLIC_BASE_URL = "http://payproc.example.com"

    with pytest.raises(CommandError, match="only HTTPS"):
        call_command("telegram_set_webhook")
    assert bot_api.sent("setWebhook") == []
