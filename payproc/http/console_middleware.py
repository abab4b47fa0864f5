"""Browser-console middleware (sessions, logins, messages, login lockout, session lifetime) that runs
only on the console's paths.

The merchant API authenticates every request with its API key and never uses a session, a Django
login or a flash message, yet Django's stack would build all three for every payment. Each
class here is the Django middleware of the same name (a subclass, so the admin's checks still find it),
skipped unless the path starts with one of `CONSOLE_PATH_PREFIXES`.
"""

import time
from collections.abc import Callable

from axes import middleware as axes
from csp import middleware as csp
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth import middleware as auth
from django.contrib.auth.views import redirect_to_login
from django.contrib.messages import middleware as messages
from django.contrib.sessions import middleware as sessions
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.deprecation import MiddlewareMixin
from django_otp import middleware as otp
from django_permissions_policy import PermissionsPolicyMiddleware as _PermissionsPolicy


def _on_console(request: HttpRequest, prefixes: str = "CONSOLE_PATH_PREFIXES") -> bool:
    return request.path_info.startswith(getattr(settings, prefixes))


def console_only(middleware: type[MiddlewareMixin], prefixes: str = "CONSOLE_PATH_PREFIXES") -> type[MiddlewareMixin]:
    if any(hasattr(middleware, hook) for hook in ("process_view", "process_exception")):
        raise TypeError(f"{middleware.__name__} has view hooks, which would still run on every path")

    class ConsoleOnly(middleware):  # type: ignore[valid-type,misc]
        def __call__(self, request: HttpRequest) -> HttpResponse:
            if _on_console(request, prefixes):
                return super().__call__(request)
            return self.get_response(request)

    ConsoleOnly.__name__ = ConsoleOnly.__qualname__ = middleware.__name__
    ConsoleOnly.__doc__ = f"{middleware.__module__}.{middleware.__name__}, on the console's paths only."
    return ConsoleOnly


SessionMiddleware = console_only(sessions.SessionMiddleware)
AuthenticationMiddleware = console_only(auth.AuthenticationMiddleware)
MessageMiddleware = console_only(messages.MessageMiddleware)
AxesMiddleware = console_only(axes.AxesMiddleware)
OTPMiddleware = console_only(otp.OTPMiddleware)  # type: ignore[arg-type]


SIGNED_IN_AT = "payproc_signed_in_at"  # session key: when this user signed in (epoch seconds)


def sign_in_again(request: HttpRequest) -> HttpResponse:
    """Sign the user out and send them to the console's login page, which brings them back here."""
    back_to = request.get_full_path()
    logout(request)
    return redirect_to_login(back_to, login_url=reverse("admin:login"))


class _SessionLifetime:
    """Sign a console user out ADMIN_SESSION_MAX_AGE after they signed in, however active they are
    (the idle limit is the session cookie's sliding age)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            signed_in = request.session.setdefault(SIGNED_IN_AT, time.time())
            if time.time() - signed_in > settings.ADMIN_SESSION_MAX_AGE.total_seconds():
                return sign_in_again(request)
        return self.get_response(request)


SessionLifetimeMiddleware = console_only(_SessionLifetime)  # type: ignore[arg-type]


# Browser pages (the console and Swagger UI) get the Content-Security-Policy and Permissions-Policy; the
# API's JSON answers have nothing a policy would govern.
ContentSecurityPolicyMiddleware = console_only(csp.CSPMiddleware, "BROWSER_PATH_PREFIXES")
PermissionsPolicyMiddleware = console_only(_PermissionsPolicy, "BROWSER_PATH_PREFIXES")
