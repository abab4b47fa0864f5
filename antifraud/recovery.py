"""Recovery: payments left `pending` (a lost Celery message, a worker killed mid-batch) are driven on.

The pipeline normally decides a payment within a second. A sweep, run by beat, takes every payment still
pending after `PENDING_REDRIVE_AFTER_SECONDS` through the same services the pipeline uses: undecided
ones are scored, approved ones sent to the provider. Both skip what was done meanwhile (one decision per
payment by a unique key, transitions only from the states they expect), so a sweep racing a late
message decides nothing twice.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from transactions.authorization import authorize_transactions
from transactions.selectors import stale_pending_payments

from . import metrics
from .models import Outcome
from .services.decisions import decide_transactions

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Redriven:
    scored: int
    authorized: int


def redrive_stale_payments(*, older_than_seconds: int, limit: int) -> Redriven:
    """Drive on the oldest payments pending for longer than `older_than_seconds`, at most `limit` of them."""
    stale = stale_pending_payments(created_before=timezone.now() - timedelta(seconds=older_than_seconds), limit=limit)
    undecided = [payment_id for payment_id, outcome in stale if outcome is None]
    approved = [payment_id for payment_id, outcome in stale if outcome == Outcome.APPROVE]
    if undecided:
        decide_transactions(transaction_ids=undecided)
    if approved:
        authorize_transactions(transaction_ids=approved)
    if stale:
        metrics.REDRIVEN.labels(step="score").inc(len(undecided))
        metrics.REDRIVEN.labels(step="authorize").inc(len(approved))
        logger.warning(
            "re-drove %d payments pending for over %ss (%d to score, %d to authorize)",
            len(stale),
            older_than_seconds,
            len(undecided),
            len(approved),
        )
    return Redriven(scored=len(undecided), authorized=len(approved))
