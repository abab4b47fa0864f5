"""Which metrics a process exposes: its own, or, in multiprocess mode, those of every process of its role.

The web role's gunicorn workers and the Celery worker's prefork children each count in their own memory;
with PROMETHEUS_MULTIPROC_DIR set they write to files there instead, and the exposition adds them up.
"""

from django.conf import settings
from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector


def metrics_registry() -> CollectorRegistry:
    if not settings.PROMETHEUS_MULTIPROC_DIR:
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=settings.PROMETHEUS_MULTIPROC_DIR)
    return registry
