"""Liveness and readiness endpoints."""

import time
from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django_redis import get_redis_connection
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from eventbus.relay import outbox_backlog


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_redis() -> None:
    get_redis_connection("default").ping()


def readiness_checks() -> dict[str, Callable[[], None]]:
    """The dependencies this process is configured to use, by name."""
    checks: dict[str, Callable[[], None]] = {"database": check_database}
    if settings.REDIS_URL:
        checks["redis"] = check_redis
    return checks


class HealthView(APIView):
    """Liveness: the process answers. Touches no dependency."""

    authentication_classes: list = []
    permission_classes: list = []
    throttle_classes: list = []

    @extend_schema(responses={200: dict}, tags=["operations"])
    def get(self, request: Request) -> Response:
        return Response({"status": "ok"})


class ReadyView(APIView):
    """Readiness: every configured dependency answers; 503 with a per-dependency report otherwise."""

    authentication_classes: list = []
    permission_classes: list = []
    throttle_classes: list = []

    @extend_schema(responses={200: dict, 503: dict}, tags=["operations"])
    def get(self, request: Request) -> Response:
        report: dict[str, dict] = {}
        for name, check in readiness_checks().items():
            started = time.perf_counter()
            try:
                check()
            except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
                report[name] = {"status": "down", "error": exc.__class__.__name__}
            else:
                report[name] = {"status": "ok", "latency_ms": round((time.perf_counter() - started) * 1000, 2)}
        ready = all(item["status"] == "ok" for item in report.values())
        body = {"status": "ok" if ready else "unavailable", "checks": report}
        if report["database"]["status"] == "ok":
            # Informational: a backlog (Kafka down, relay stopped) does not stop this process taking payments.
            backlog = outbox_backlog()
            body["outbox"] = {"unsent": backlog.unsent, "oldest_age_seconds": round(backlog.oldest_age_seconds, 1)}
        return Response(body, status=200 if ready else 503)
