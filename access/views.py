"""The console's two-factor pages: give a code, enrol an authenticator, replace recovery codes."""

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth import logout
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from payproc.http.console_middleware import sign_in_again

from . import mfa
from .reauth import signed_in_recently


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if safe else "/admin/"


def _page(request: HttpRequest, template: str, title: str, **context: object) -> HttpResponse:
    """An admin-styled page; until the second factor is given, without the model sidebar it would lead to."""
    sidebar = {} if request.user.is_verified() else {"is_nav_sidebar_enabled": False, "available_apps": []}
    return render(
        request,
        f"access/{template}",
        {**admin.site.each_context(request), **sidebar, "title": title, "next": _next(request), **context},
    )


def _refused(request: HttpRequest) -> HttpResponse | None:
    """A wrong code counts as a failed sign-in (django-axes): enough of them lock the account and address
    out like wrong passwords do, and end this half-finished sign-in."""
    credentials = {"username": request.user.get_username()}
    user_login_failed.send(sender=__name__, credentials=credentials, request=request)
    if not getattr(request, "axes_locked_out", False):
        return None
    logout(request)
    return get_lockout_response(request, None, credentials)


@never_cache  # a TOTP secret, its QR code or recovery codes: never kept by a browser or proxy
@staff_member_required
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    if request.user.is_verified() or not mfa.is_enrolled(request.user):
        return redirect(_next(request))
    error = ""
    if request.method == "POST":
        if AxesProxyHandler.is_locked(request, {"username": request.user.get_username()}):
            logout(request)
            return get_lockout_response(request, None, {"username": request.user.get_username()})
        result = mfa.verify(request.user, request.POST.get("code", ""))
        if result.device is not None:
            otp_login(request, result.device)
            return redirect(_next(request))
        if locked_out := _refused(request):
            return locked_out
        error = (
            f"Too many wrong codes: wait {result.wait_seconds} s and try again."
            if result.wait_seconds
            else "That code is not right. Use the current code of your authenticator app, or a recovery code."
        )
    return _page(request, "verify.html", "Two-factor sign-in", error=error)


@never_cache  # a TOTP secret, its QR code or recovery codes: never kept by a browser or proxy
@staff_member_required
@require_http_methods(["GET", "POST"])
def setup(request: HttpRequest) -> HttpResponse:
    if mfa.is_enrolled(request.user):
        return redirect("mfa-manage")
    device = mfa.pending_authenticator(request.user)
    error = ""
    if request.method == "POST":
        codes = mfa.confirm_authenticator(device, request.POST.get("code", "").strip())
        if codes is not None:
            otp_login(request, device)
            return _page(request, "recovery_codes.html", "Your recovery codes", codes=codes)
        error = "That code is not right. Scan the QR code again and enter the code the app shows now."
    return _page(request, "setup.html", "Set up two-factor sign-in", enrolment=mfa.enrolment(device), error=error)


@never_cache  # a TOTP secret, its QR code or recovery codes: never kept by a browser or proxy
@staff_member_required
@require_http_methods(["GET", "POST"])
def manage(request: HttpRequest) -> HttpResponse:
    enrolled = mfa.is_enrolled(request.user)
    if request.method == "POST" and enrolled:
        if not signed_in_recently(request):
            return sign_in_again(request)
        codes = mfa.new_recovery_codes(request.user)
        return _page(request, "recovery_codes.html", "Your new recovery codes", codes=codes)
    return _page(
        request,
        "manage.html",
        "Two-factor sign-in",
        enrolled=enrolled,
        codes_left=mfa.recovery_codes_left(request.user),
        required=mfa.must_enrol(request.user),
    )
