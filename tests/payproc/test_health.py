import shutil
import socket
import subprocess
import time

import pytest
from rest_framework.test import APIClient

from tests.conftest import payment


def test_health_needs_no_dependency(client):
    response = client.get("/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_ready_reports_each_dependency(db, client):
    response = client.get("/ready")

    assert response.status_code == 200
    checks = response.json()["checks"]
    assert checks["database"]["status"] == "ok"
    assert checks["redis"]["status"] == "ok"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def own_redis(settings, tmp_path):
    """A Redis server of this test's own, so that stopping it leaves the suite's Redis alone."""
    binary = shutil.which("redis-server")
    assert binary, "scripts/services.sh installs redis-server"
    port = _free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    url = f"redis://127.0.0.1:{port}/0"
    settings.REDIS_URL = url
    settings.RATE_LIMIT_STORAGE_URL = url
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": url}}
    yield process
    process.kill()
    process.wait()


def test_ready_is_503_when_redis_is_down_and_payments_are_still_accepted(db, client, own_redis, api_key):
    assert client.get("/ready").status_code == 200
    merchant_client = APIClient()
    merchant_client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key}")
    assert merchant_client.post("/transaction", data=payment(), format="json").status_code == 202  # key now held

    own_redis.kill()
    own_redis.wait()
    response = client.get("/ready")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["redis"]["status"] == "down"
    assert body["checks"]["database"]["status"] == "ok"

    created = merchant_client.post("/transaction", data=payment(), format="json")
    assert created.status_code == 202
    assert merchant_client.get(f"/transaction/{created.json()['id']}").json()["status"] == "pending"
