"""The Celery app, defined once; apps' `tasks.py` are discovered. Task outcomes are counted for Prometheus,
and the worker serves its metrics on METRICS_PORT: with the prefork pool (docker/entrypoint.sh) every
child writes to PROMETHEUS_MULTIPROC_DIR and the port adds them up."""

import os
from typing import Any

from celery import Celery, bootsteps
from celery.beat import PersistentScheduler
from celery.signals import (
    task_failure,
    task_postrun,
    task_prerun,
    task_retry,
    task_success,
    worker_init,
    worker_process_init,
    worker_process_shutdown,
)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "payproc.settings.local")

app = Celery("payproc")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


class _PulseStep(bootsteps.StartStopStep):
    """A worker's liveness file (payproc.processes.Pulse), touched by the main process's event loop: it
    stops when that loop hangs. Named after the role docker/entrypoint.sh started (worker, deliveries)."""

    requires = {"celery.worker.components:Timer"}

    def start(self, worker: Any) -> None:
        from payproc.processes import Pulse

        pulse = Pulse(os.environ.get("PAYPROC_ROLE", "worker"))
        pulse()
        self._timer = worker.timer.call_repeatedly(10.0, pulse)

    def stop(self, worker: Any) -> None:
        self._timer.cancel()


app.steps["worker"].add(_PulseStep)


class PulsingScheduler(PersistentScheduler):
    """Celery beat's own scheduler, touching beat's liveness file on each tick (at least every 30 s, the
    beat-heartbeat entry's interval)."""

    def setup_schedule(self) -> None:
        from payproc.processes import Pulse

        self._pulse = Pulse("beat")
        super().setup_schedule()

    def tick(self, *args: Any, **kwargs: Any) -> float:
        self._pulse()
        return super().tick(*args, **kwargs)


def _count(task_name: str | None, outcome: str) -> None:
    from eventbus.metrics import TASKS

    TASKS.labels(task=task_name or "unknown", outcome=outcome).inc()


@task_success.connect
def _on_success(sender: Any = None, **_: Any) -> None:
    _count(getattr(sender, "name", None), "success")


@task_failure.connect
def _on_failure(sender: Any = None, **_: Any) -> None:
    _count(getattr(sender, "name", None), "failure")


@task_retry.connect
def _on_retry(sender: Any = None, request: Any = None, **_: Any) -> None:
    _count(getattr(request, "task", None) or getattr(sender, "name", None), "retry")


@task_prerun.connect
@task_postrun.connect
def _recycle_connections(task: Any = None, **_: Any) -> None:
    """Keep database connections across tasks the way Django keeps them across requests: for CONN_MAX_AGE,
    and not once broken. Celery's own Django fix-up closed them before and after every task (it is told not
    to, with CELERY_DB_REUSE_MAX), so each batch opened a new PostgreSQL connection: a new server process,
    its caches cold, the prepared inserts gone. An eager task runs inside its caller's request or
    transaction, whose connection is not the task's to close."""
    if getattr(getattr(task, "request", None), "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()


@worker_init.connect
def _serve_metrics(**_: Any) -> None:
    from payproc.observability.process import serve_process_metrics

    serve_process_metrics("worker")


@worker_process_init.connect
def _freeze_startup_heap(**_: Any) -> None:
    from payproc.processes import freeze_startup_heap

    freeze_startup_heap()


@worker_process_shutdown.connect
def _forget_dead_child(**_: Any) -> None:
    from django.conf import settings

    if settings.PROMETHEUS_MULTIPROC_DIR:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(os.getpid(), path=settings.PROMETHEUS_MULTIPROC_DIR)
