"""The embedded default runs the beat schedule in-process: escalation and notification retries still happen."""

from datetime import timedelta

import time_machine
from django.core.management import call_command
from django.utils import timezone

from alerts.evaluation import evaluate_event
from alerts.models import Incident, Notification

from .helpers import decision_event


def test_run_periodic_escalates_and_delivers(fraud_spike_rule, bot_api):
    for _ in range(4):
        evaluate_event(decision_event(score=99))
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        call_command("run_periodic", "--once")

    assert Incident.objects.get().escalation_level == 1
    assert Notification.objects.filter(status="pending").count() == 0
    assert sorted(m["chat_id"] for m in bot_api.sent("sendMessage")) == ["1001", "2002", "2003"]


def test_the_engine_tasks_are_registered_on_their_own_queue_and_beat_dispatches(settings):
    from celery import current_app

    from outbound.engine import DISPATCH_TASK, SEND_TASK

    current_app.loader.import_default_modules()
    assert {DISPATCH_TASK, SEND_TASK} <= set(current_app.tasks)
    for task in (DISPATCH_TASK, SEND_TASK):
        assert current_app.amqp.router.route({}, task)["queue"].name == settings.OUTBOUND_QUEUE == "deliveries"
    assert current_app.amqp.router.route({}, "antifraud.tasks.redrive_pending_payments")["queue"].name == "celery"
    assert any(entry["task"] == DISPATCH_TASK for entry in settings.CELERY_BEAT_SCHEDULE.values())
