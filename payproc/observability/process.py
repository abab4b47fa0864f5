"""A /metrics port for the processes that serve no HTTP: relay, consumer, Celery worker, analytics sink."""

import logging

from django.conf import settings
from prometheus_client import start_http_server

from .registry import metrics_registry

logger = logging.getLogger(__name__)


def serve_process_metrics(role: str, *, port: int | None = None) -> int | None:
    """Start the exposition server when METRICS_PORT (or `port`) is set; returns the port or None."""
    port = settings.METRICS_PORT if port is None else port
    if not port:
        return None
    start_http_server(port, addr=settings.METRICS_BIND_ADDRESS, registry=metrics_registry())
    logger.info("%s metrics on http://%s:%d/metrics", role, settings.METRICS_BIND_ADDRESS, port)
    return port
