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

from .metrics import DISTRIBUTED_ATTACKS, LOCKOUTS, LOGIN_FAILURES


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
    attempts = list(AccessAttempt.objects.filter(username=username))
    failures = sum(attempt.failures_since_start for attempt in attempts)
    if not attempts or failures != settings.AXES_FAILURE_LIMIT:
        return
    LOCKOUTS.inc()
    record_about(
        actor=f"login:{username or '?'}",
        action="access.lockout",
        about=("auth.User", username or "?"),
        after={
            "username": username,
            "ip_address": ip_address,
            "failures": failures,
            "addresses": sorted({attempt.ip_address or "?" for attempt in attempts}),
        },
    )


@receiver(user_login_failed, dispatch_uid="access.watch_distributed_attack")
def watch_distributed_attack(*, credentials: dict | None = None, **_: Any) -> None:
    """An account's failures reaching the threshold of distinct addresses: audited and alerted, once."""
    username = (credentials or {}).get("username")
    if not username:
        return
    addresses = set(
        AccessAttempt.objects.filter(username=username, failures_since_start__gt=0).values_list("ip_address", flat=True)
    )
    if len(addresses) != settings.ADMIN_DISTRIBUTED_ATTACK_ADDRESSES:
        return
    DISTRIBUTED_ATTACKS.inc()
    record_about(
        actor=f"login:{username}",
        action="access.distributed_attack",
        about=("auth.User", str(username)),
        after={"username": username, "addresses": sorted(address or "?" for address in addresses)},
    )
