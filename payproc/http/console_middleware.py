"""Browser-console middleware (sessions, logins, messages) that runs only on the console's paths.

The merchant API authenticates every request with its API key and never uses a session, a Django
login or a flash message, yet Django's stack would build all three for every payment. Each
class here is the Django middleware of the same name (a subclass, so the admin's checks still find it),
skipped unless the path starts with one of `CONSOLE_PATH_PREFIXES`.
"""

from django.conf import settings
from django.contrib.auth import middleware as auth
from django.contrib.messages import middleware as messages
from django.contrib.sessions import middleware as sessions
from django.http import HttpRequest, HttpResponse
from django.utils.deprecation import MiddlewareMixin


def _on_console(request: HttpRequest) -> bool:
    return request.path_info.startswith(settings.CONSOLE_PATH_PREFIXES)


def _console_only(middleware: type[MiddlewareMixin]) -> type[MiddlewareMixin]:
    if any(hasattr(middleware, hook) for hook in ("process_view", "process_exception")):
        raise TypeError(f"{middleware.__name__} has view hooks, which would still run on every path")

    class ConsoleOnly(middleware):  # type: ignore[valid-type,misc]
        def __call__(self, request: HttpRequest) -> HttpResponse:
            if _on_console(request):
                return super().__call__(request)
            return self.get_response(request)

    ConsoleOnly.__name__ = ConsoleOnly.__qualname__ = middleware.__name__
    ConsoleOnly.__doc__ = f"{middleware.__module__}.{middleware.__name__}, on the console's paths only."
    return ConsoleOnly


SessionMiddleware = _console_only(sessions.SessionMiddleware)
AuthenticationMiddleware = _console_only(auth.AuthenticationMiddleware)
MessageMiddleware = _console_only(messages.MessageMiddleware)
