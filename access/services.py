"""Unlocking a locked-out account: a Risk admin's action, audited."""

from axes.models import AccessAttempt
from django.db import transaction

from audit.services import record, snapshot


def unlock(*, attempt: AccessAttempt, actor: str) -> None:
    """Forget the failures of the attempt's account, from every address (an account locks as a whole),
    so it may log in again at once."""
    with transaction.atomic():
        before = snapshot(attempt, fields=("username", "ip_address", "failures_since_start"))
        record(actor=actor, action="access.unlock", target=attempt, before=before)
        AccessAttempt.objects.filter(username=attempt.username).delete()
