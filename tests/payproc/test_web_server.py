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
        assert server.poll() is None, server.stdout.read()
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
