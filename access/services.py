"""Unlocking a locked-out account/address pair: a Risk admin's action, audited."""

from axes.models import AccessAttempt
from django.db import transaction

from audit.services import record, snapshot


def unlock(*, attempt: AccessAttempt, actor: str) -> None:
    """Forget the failures of one account/address pair, so it may log in again at once."""
    with transaction.atomic():
        before = snapshot(attempt, fields=("username", "ip_address", "failures_since_start"))
        record(actor=actor, action="access.unlock", target=attempt, before=before)
        attempt.delete()
