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


def test_new_notifications_are_handed_to_the_delivery_task_by_its_registered_name():
    from celery import current_app

    from alerts.notify import DELIVER_TASK
    from alerts.tasks import deliver_notification

    assert DELIVER_TASK == deliver_notification.name and DELIVER_TASK in current_app.tasks
