"""Health, readiness and metrics answer whatever Host header the caller sends.

Kubernetes' probes and Prometheus's service discovery call a replica by its IP address, which no
ALLOWED_HOSTS lists (nor should: `*` would let any Host through to the API and the console). These
paths build no URL from the host and the proxy does not pass /metrics from outside, so their Host is
replaced by the first allowed name before Django validates it."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

PROBE_PATHS = frozenset({"/health", "/ready", "/metrics"})


class ProbeHostMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        allowed = [host for host in settings.ALLOWED_HOSTS if host != "*"]
        self.host = allowed[0].lstrip(".") if allowed else None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.host and request.path in PROBE_PATHS:
            request.META["HTTP_HOST"] = self.host
        return self.get_response(request)
