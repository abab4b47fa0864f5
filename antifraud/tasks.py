"""Celery tasks of the anti-fraud domain: thin wrappers that call services."""

import logging
from typing import Any

from celery import shared_task
from celery.signals import worker_ready
from django.conf import settings

from .errors import TooFewLabels
from .learning.drift import measure_drift
from .models import FraudModelVersion, ModelStatus
from .recovery import redrive_stale_payments

logger = logging.getLogger(__name__)


@shared_task
def redrive_pending_payments() -> int:
    """Beat: drive on payments the pipeline left pending (see `recovery`)."""
    done = redrive_stale_payments(
        older_than_seconds=settings.PENDING_REDRIVE_AFTER_SECONDS, limit=settings.PENDING_REDRIVE_BATCH
    )
    return done.scored + done.authorized


@worker_ready.connect
def _sweep_once_after_start(**_: Any) -> None:
    """A worker often starts after a crash, perhaps with beat down too: it sweeps once by itself, when
    the payments a crash left behind have passed the redrive age."""
    redrive_pending_payments.apply_async(countdown=settings.PENDING_REDRIVE_AFTER_SECONDS + 5)


@shared_task
def ship_audit_entries() -> int:
    """Beat, every minute: the audit log's new entries to ClickHouse (none without CLICKHOUSE_URL)."""
    from .adapters import analytics_backend, get_analytics
    from .audit_archive import ship_audit_entries as ship

    if analytics_backend() != "clickhouse":
        return 0
    return ship(archive=get_analytics())


@shared_task
def train_candidate_model() -> int | None:
    """Beat, weekly: train a shadow candidate on the labels so far; it never goes live by itself."""
    from .learning.training import train_model  # LightGBM and scikit-learn: only in the process that trains

    try:
        return train_model(label_delay_days=settings.FRAUD_MODEL_LABEL_DELAY_DAYS, actor="beat").number
    except TooFewLabels as exc:
        logger.info("no fraud model trained this week: %s", exc)
        return None


@shared_task
def measure_model_drift() -> dict[int, dict[str, Any]]:
    """Beat, daily: the PSI of the live and shadow models against their validation windows."""
    watched = FraudModelVersion.objects.filter(status__in=[ModelStatus.LIVE, ModelStatus.SHADOW, ModelStatus.PROPOSED])
    return {version.number: measure_drift(version) for version in watched}
