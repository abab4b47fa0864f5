"""Browser-console middleware (sessions, CSRF, logins, messages) that runs only on the console's paths.

The merchant API authenticates every request with its API key and never uses a session, a CSRF token,
a Django login or a flash message, yet Django's stack would build all four for every payment. Each
class here is the Django middleware of the same name (a subclass, so the admin's checks still find it),
skipped unless the path starts with one of `CONSOLE_PATH_PREFIXES`.
"""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import middleware as auth
from django.contrib.messages import middleware as messages
from django.contrib.sessions import middleware as sessions
from django.http import HttpRequest, HttpResponse
from django.middleware import csrf
from django.utils.deprecation import MiddlewareMixin


def _on_console(request: HttpRequest) -> bool:
    return request.path_info.startswith(settings.CONSOLE_PATH_PREFIXES)


def _console_only(middleware: type[MiddlewareMixin]) -> type[MiddlewareMixin]:
    class ConsoleOnly(middleware):  # type: ignore[valid-type,misc]
        def __call__(self, request: HttpRequest) -> HttpResponse:
            if _on_console(request):
                return super().__call__(request)
            return self.get_response(request)

        def process_view(
            self, request: HttpRequest, view: Callable, args: tuple, kwargs: dict[str, Any]
        ) -> HttpResponse | None:
            if _on_console(request) and hasattr(super(), "process_view"):
                return super().process_view(request, view, args, kwargs)
            return None

    ConsoleOnly.__name__ = ConsoleOnly.__qualname__ = middleware.__name__
    ConsoleOnly.__doc__ = f"{middleware.__module__}.{middleware.__name__}, on the console's paths only."
    return ConsoleOnly


SessionMiddleware = _console_only(sessions.SessionMiddleware)
CsrfViewMiddleware = _console_only(csrf.CsrfViewMiddleware)
AuthenticationMiddleware = _console_only(auth.AuthenticationMiddleware)
MessageMiddleware = _console_only(messages.MessageMiddleware)
