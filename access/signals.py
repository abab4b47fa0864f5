"""Sign-ins and failed sign-ins are audited (with the client address) and counted; a lockout is counted
and audited; a sign-in is stamped."""

import time
from typing import Any

from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from audit.services import record, record_about
from payproc.http.client_ip import client_ip
from payproc.http.console_middleware import SIGNED_IN_AT

from .metrics import LOCKOUTS, LOGIN_FAILURES


@receiver(user_login_failed, dispatch_uid="access.count_failed_login")
def count_failed_login(*, credentials: dict | None = None, request: Any = None, **_: Any) -> None:
    LOGIN_FAILURES.inc()
    username = str((credentials or {}).get("username") or "?")
    record_about(
        actor=f"login:{username}",
        action="access.sign_in_failed",
        about=("auth.User", username),
        after={"ip_address": _address(request)},
    )


@receiver(user_logged_in, dispatch_uid="access.stamp_sign_in")
def stamp_sign_in(*, request: Any = None, user: Any = None, **_: Any) -> None:
    """The session's absolute lifetime counts from here (payproc/http/console_middleware.py)."""
    if request is not None and hasattr(request, "session"):
        request.session[SIGNED_IN_AT] = time.time()
    if user is not None:
        username = user.get_username()
        record(actor=f"user:{username}", action="access.sign_in", target=user, after={"ip_address": _address(request)})


def _address(request: Any) -> str | None:
    return client_ip(request) if request is not None and hasattr(request, "META") else None


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
