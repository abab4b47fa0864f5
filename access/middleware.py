"""The two-factor gate of the console: a staff user signed in with a password alone reaches only the
code page (enrolled) or the enrolment page (enrolment required), then the page they asked for."""

from collections.abc import Callable

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from payproc.http.console_middleware import console_only

from . import mfa

# Pages a half-signed-in user may open: the two-factor pages themselves, signing in and out.
_OPEN_URL_NAMES = ("mfa-verify", "mfa-setup", "admin:login", "admin:logout")


class _TwoFactorGate:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._open_paths: frozenset[str] | None = None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_staff or user.is_verified():
            return self.get_response(request)
        if self._open_paths is None:
            self._open_paths = frozenset(reverse(name) for name in _OPEN_URL_NAMES)
        if request.path_info not in self._open_paths:
            if mfa.is_enrolled(user):
                return redirect_to_login(request.get_full_path(), login_url=reverse("mfa-verify"))
            if mfa.must_enrol(user):
                return redirect_to_login(request.get_full_path(), login_url=reverse("mfa-setup"))
        return self.get_response(request)


TwoFactorMiddleware = console_only(_TwoFactorGate)  # type: ignore[arg-type]
