"""Celery tasks of the alert service: thin wrappers run by workers and beat."""

import uuid

from celery import shared_task
from django.utils import timezone

from eventbus.relay import outbox_backlog

from . import escalation, services
from .evaluation import evaluate_now
from .events import OUTBOX_BACKLOG


@shared_task
def escalate_incidents() -> int:
    return escalation.escalate_due_incidents()


@shared_task
def resolve_quiet_incidents() -> int:
    return services.resolve_quiet_incidents()


@shared_task
def check_outbox_backlog() -> int:
    """Feed the outbox's state to the alert rules directly: when Kafka or the relay is down, no event would."""
    backlog = outbox_backlog()
    event = {
        "event_id": str(uuid.uuid4()),
        "type": OUTBOX_BACKLOG,
        "occurred_at": timezone.now().isoformat(),
        "data": {"unsent": backlog.unsent, "oldest_age_seconds": round(backlog.oldest_age_seconds, 1)},
    }
    return len(evaluate_now(event))
