"""The production web role: gunicorn with several workers, whose metrics /metrics adds up."""

import json
import os
import re
import socket
import subprocess
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import redis
from django.db import connection

from tests.conftest import payment
from transactions.api_keys import create_merchant

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, **headers: str) -> str:
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=5) as response:
        return response.read().decode()


def _wait_until_up(base: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, server.stdout.read() if server.stdout else f"exited with {server.returncode}"
        try:
            _get(f"{base}/health")
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("web role did not answer /health")


def test_worker_count_follows_the_cpus_unless_web_concurrency_is_set():
    def workers(**env: str) -> int:
        code = "import runpy; print(runpy.run_path('config/gunicorn.conf.py')['workers'])"
        clean = {k: v for k, v in os.environ.items() if k != "WEB_CONCURRENCY"}
        return int(subprocess.check_output(["python", "-c", code], cwd=ROOT, env={**clean, **env}, text=True))

    assert workers() == (os.cpu_count() or 1) + 1
    assert workers(WEB_CONCURRENCY="3") == 3


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_web_role_serves_on_port_with_several_workers_and_complete_metrics():
    _, issued = create_merchant(name="Gunicorn")
    port = _free_port()
    database = connection.settings_dict
    env = {
        **os.environ,
        "PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ['PATH']}",
        "DJANGO_SETTINGS_MODULE": "payproc.settings.test",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "PORT": str(port),
        "WEB_CONCURRENCY": "3",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    server = subprocess.Popen(
        ["sh", "docker/entrypoint.sh", "web"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, server)
        posted = 12

        def post(_: int) -> int:
            request = urllib.request.Request(
                f"{base}/transaction",
                data=json.dumps(payment(currency="CHF")).encode(),
                headers={"Authorization": f"Bearer {issued.secret}", "Content-Type": "application/json"},
                method="POST",
            )
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status

        with ThreadPoolExecutor(max_workers=6) as pool:  # concurrent, so more than one worker serves
            assert list(pool.map(post, range(posted))) == [202] * posted

        metrics = _get(f"{base}/metrics")
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)

    assert len(set(re.findall(r"Booting worker with pid: (\d+)", output))) == 3
    [count] = re.findall(r'payproc_payments_total\{currency="CHF",status="pending"\} ([0-9.]+)', metrics)
    assert float(count) == posted  # the sum over every worker that served one


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_worker_role_runs_prefork_children_and_its_metrics_port_adds_them_up(monkeypatch):
    from celery import Celery

    port, broker = _free_port(), "redis://127.0.0.1:6379/13"
    redis.Redis.from_url(broker).flushdb()
    database = connection.settings_dict
    env = {
        **os.environ,
        "PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ['PATH']}",
        "DJANGO_SETTINGS_MODULE": "payproc.settings.test",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "CELERY_BROKER_URL": broker,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "METRICS_PORT": str(port),
        "WORKER_CONCURRENCY": "2",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    worker = subprocess.Popen(
        ["sh", "docker/entrypoint.sh", "worker"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    monkeypatch.setenv("CELERY_BROKER_URL", broker)  # Celery prefers the variable to its broker argument
    sender = Celery(broker=broker, set_as_current=False)  # later tests keep the project app as current
    sent = 12
    pattern = (
        r'payproc_celery_tasks_total\{outcome="success",task="transactions.tasks.purge_idempotency_keys"\} ([0-9.]+)'
    )
    try:
        for _ in range(sent):
            sender.send_task("transactions.tasks.purge_idempotency_keys")

        def counted() -> float:
            try:
                found = re.findall(pattern, _get(f"http://127.0.0.1:{port}/metrics"))
            except OSError:
                return 0.0
            return float(found[0]) if found else 0.0

        deadline = time.monotonic() + 60
        while counted() < sent and time.monotonic() < deadline:
            assert worker.poll() is None, worker.stdout.read().decode()
            time.sleep(0.3)
        total = counted()
        children = subprocess.check_output(["pgrep", "-P", str(worker.pid)], text=True).split()
    finally:
        worker.terminate()
        output = worker.communicate(timeout=60)[0].decode()
        sender.close()

    assert len(children) == 2  # the prefork pool's children
    assert total == sent, output[-3000:]  # counted in whichever child ran each task, exposed as one sum
