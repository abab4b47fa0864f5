"""Failed logins are counted; a lockout is counted and written to the audit log; a sign-in is stamped."""

import time
from typing import Any

from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from audit.services import record
from payproc.http.console_middleware import SIGNED_IN_AT

from .metrics import LOCKOUTS, LOGIN_FAILURES


@receiver(user_login_failed, dispatch_uid="access.count_failed_login")
def count_failed_login(**_: Any) -> None:
    LOGIN_FAILURES.inc()


@receiver(user_logged_in, dispatch_uid="access.stamp_sign_in")
def stamp_sign_in(*, request: Any = None, **_: Any) -> None:
    """The session's absolute lifetime counts from here (payproc/http/console_middleware.py)."""
    if request is not None and hasattr(request, "session"):
        request.session[SIGNED_IN_AT] = time.time()


@receiver(user_locked_out, dispatch_uid="access.audit_lockout")
def audit_lockout(*, username: str | None = None, ip_address: str | None = None, **_: Any) -> None:
    """Once per lockout: axes signals again for each attempt refused while the lock holds."""
    attempt = AccessAttempt.objects.filter(username=username, ip_address=ip_address).first()
    if attempt is None or attempt.failures_since_start != settings.AXES_FAILURE_LIMIT:
        return
    LOCKOUTS.inc()
    record(
        actor=f"login:{username or '?'}",
        action="access.lockout",
        target=attempt,
        after={"username": username, "ip_address": ip_address, "failures": attempt.failures_since_start},
    )
