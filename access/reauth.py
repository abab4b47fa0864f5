"""Re-authentication before sensitive changes (rules, thresholds, lists, merchants, API keys): a POST
to one of these admins from a sign-in older than ADMIN_REAUTH_MINUTES signs the user out and asks for
the password again, then returns to the page. Reading stays open for the whole session."""

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse

from payproc.http.console_middleware import SIGNED_IN_AT, sign_in_again


def signed_in_recently(request: HttpRequest) -> bool:
    signed_in = request.session.get(SIGNED_IN_AT, 0)
    return time.time() - signed_in <= settings.ADMIN_REAUTH_MINUTES * 60


def unless_stale(request: HttpRequest, view: Callable[..., HttpResponse], *args: Any, **kwargs: Any) -> HttpResponse:
    """The view, or the login page for a POST from a sign-in too old for it."""
    if request.method != "POST" or signed_in_recently(request):
        return view(request, *args, **kwargs)
    response = sign_in_again(request)
    messages.info(request, "Sign in again to make this change.")
    return response


class RecentSignInRequired:
    """For ModelAdmins: every POST (save, delete, bulk action) needs a recent sign-in."""

    def changeform_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return unless_stale(request, super().changeform_view, *args, **kwargs)  # type: ignore[misc]

    def delete_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return unless_stale(request, super().delete_view, *args, **kwargs)  # type: ignore[misc]

    def changelist_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if "action" not in request.POST:  # searching, filtering, paging: reading
            return super().changelist_view(request, *args, **kwargs)  # type: ignore[misc]
        return unless_stale(request, super().changelist_view, *args, **kwargs)  # type: ignore[misc]
