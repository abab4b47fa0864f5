"""The worker role rides out its broker going away: Redis killed and back empty, three times; the worker
never exits (kombu's race on reconnect used to kill it, payproc/broker.py) and answers again each time."""

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.payproc.test_web_server import _free_port

ROOT = Path(__file__).resolve().parents[2]


def _redis(port: int) -> None:
    subprocess.run(
        ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no", "--daemonize", "yes"],
        check=True, capture_output=True,
    )  # fmt: skip
    for _ in range(50):
        if subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True, text=True).stdout == "PONG\n":
            return
        time.sleep(0.1)


def _answers(env: dict) -> bool:
    """The worker answers a remote-control ping over the broker."""
    ping = subprocess.run(
        [str(ROOT / ".venv/bin/celery"), "-A", "payproc", "inspect", "ping", "--timeout", "2"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    return "pong" in ping.stdout


@pytest.fixture
def broker_and_worker():
    assert shutil.which("redis-server"), "scripts/services.sh installs Redis"
    port = _free_port()
    _redis(port)
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    env |= {
        "PATH": f"{ROOT / '.venv/bin'}:{env.get('PATH', '')}",
        "DJANGO_SETTINGS_MODULE": "payproc.settings.production",
        "DJANGO_SECRET_KEY": "broker-test",
        "CARD_FINGERPRINT_KEY": "broker-test",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/payproc",
        "REDIS_URL": f"redis://127.0.0.1:{port}/0",
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{port}/1",
        "WORKER_CONCURRENCY": "1",
        "METRICS_PORT": str(_free_port()),
        "LOG_LEVEL": "INFO",
    }
    worker = subprocess.Popen(
        ["sh", "docker/entrypoint.sh", "worker"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    try:
        yield port, env, worker
    finally:
        worker.terminate()
        worker.wait(timeout=60)
        subprocess.run(["redis-cli", "-p", str(port), "shutdown", "nosave"], capture_output=True)


def _until(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.5)
    return False


def test_the_worker_reconnects_in_process_after_redis_is_killed_and_comes_back_empty(broker_and_worker):
    port, env, worker = broker_and_worker
    assert _until(lambda: _answers(env), 60), "the worker never answered"

    for _ in range(3):
        subprocess.run(["redis-cli", "-p", str(port), "shutdown", "nosave"], capture_output=True)
        time.sleep(3)
        assert worker.poll() is None, worker.stdout.read()
        _redis(port)  # back, empty
        assert _until(lambda: _answers(env), 60), "the worker did not come back to its broker"
        assert worker.poll() is None

    worker.terminate()
    output = worker.communicate(timeout=60)[0]
    assert "Unrecoverable error" not in output
