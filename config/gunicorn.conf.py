"""The production web server (gunicorn), used by the image, docker-compose.yml and `make serve`.

Several worker processes per replica, so the API uses every core: by default CPU + 1 sync workers (one
more than the cores, for the time a request waits on PostgreSQL and Redis). Measured on 2 cores with
PostgreSQL and Redis on the same box: 3 workers served 505 payments/s, 5 workers (the common 2 x CPU + 1)
471/s, as idle workers all wake for each connection and compete for the cores. WEB_CONCURRENCY overrides
the count, PORT the port. Prometheus runs in multiprocess mode, so /metrics adds up all workers.
"""

import os
import shutil
import tempfile

# All interfaces: inside the container the proxy reaches it over the compose network.
bind = f"{os.environ.get('WEB_BIND', '0.0.0.0')}:{os.environ.get('PORT', '8080')}"  # noqa: S104
workers = int(os.environ.get("WEB_CONCURRENCY") or (os.cpu_count() or 1) + 1)
worker_class = "sync"
# Time for a worker to finish its request on SIGTERM, and to answer at all before it is replaced.
graceful_timeout = 30
timeout = 30
# Requests are logged by payproc's own access log (route template, request id, duration).
accesslog = None
wsgi_app = "payproc.wsgi:application"

# Every worker writes its metrics to files here; /metrics reads them all (prometheus_client multiprocess).
# Set before the workers import prometheus_client, emptied at each start (stale files would add up).
_metrics_dir = os.environ.setdefault(
    "PROMETHEUS_MULTIPROC_DIR", os.path.join(tempfile.gettempdir(), f"payproc-web-metrics-{os.getpid()}")
)


def on_starting(server: object) -> None:
    shutil.rmtree(_metrics_dir, ignore_errors=True)
    os.makedirs(_metrics_dir, exist_ok=True)


def child_exit(server: object, worker: object) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)  # type: ignore[attr-defined]


def post_worker_init(worker: object) -> None:
    from payproc.processes import freeze_startup_heap

    freeze_startup_heap()  # the application is loaded: its objects need no more garbage collection
