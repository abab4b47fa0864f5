"""Re-authentication before sensitive changes (rules, thresholds, lists, merchants, API keys): a POST
to one of these admins from a sign-in older than ADMIN_REAUTH_MINUTES signs the user out and asks for
the password again, then returns to the page. Reading stays open for the whole session."""

import time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from payproc.http.console_middleware import SIGNED_IN_AT


def signed_in_recently(request: HttpRequest) -> bool:
    signed_in = request.session.get(SIGNED_IN_AT, 0)
    return time.time() - signed_in <= settings.ADMIN_REAUTH_MINUTES * 60


def _ask_again(request: HttpRequest) -> HttpResponse:
    back_to = request.get_full_path()
    logout(request)
    response = redirect_to_login(back_to, login_url=reverse("admin:login"))
    messages.info(request, "Sign in again to make this change.")
    return response


class RecentSignInRequired:
    """For ModelAdmins: every POST (save, delete, bulk action) needs a recent sign-in."""

    def changeform_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "POST" and not signed_in_recently(request):
            return _ask_again(request)
        return super().changeform_view(request, *args, **kwargs)  # type: ignore[misc]

    def delete_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "POST" and not signed_in_recently(request):
            return _ask_again(request)
        return super().delete_view(request, *args, **kwargs)  # type: ignore[misc]

    def changelist_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "POST" and "action" in request.POST and not signed_in_recently(request):
            return _ask_again(request)
        return super().changelist_view(request, *args, **kwargs)  # type: ignore[misc]
