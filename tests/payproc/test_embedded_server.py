"""`make run`'s web server as `make run` starts it (gunicorn threads, config/gunicorn.embedded.conf.py) on
SQLite in WAL mode: a burst of 50 clients gets no reset and no error, and a refund race stays exact."""

import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import payment
from tests.payproc.test_web_server import ROOT, _free_port, _wait_until_up

CLIENTS = 50


def _post(url: str, body: dict, key: str) -> tuple[int, dict]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST",
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


@pytest.fixture(scope="module")
def embedded(tmp_path_factory):
    """The embedded default on a fresh SQLite file, migrated, with a merchant and its key."""
    port = _free_port()
    # A newcomer's environment, not the test run's (its settings set OUTBOX_INLINE_RELAY=false and more).
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "TMPDIR") if key in os.environ}
    env |= {
        "DJANGO_SETTINGS_MODULE": "payproc.settings.local",
        "DATABASE_URL": f"sqlite:///{tmp_path_factory.mktemp('embedded') / 'payproc.sqlite3'}",
        "PORT": str(port),
        "RATE_LIMIT_PER_API_KEY": "100000/second",
        "LOG_LEVEL": "WARNING",
    }
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput"], cwd=ROOT, env=env, check=True, capture_output=True)
    made = subprocess.run([*manage, "create_merchant", "burst"], cwd=ROOT, env=env, capture_output=True, text=True)
    found = re.search(r"sk_(test|live)_[A-Za-z0-9_-]+", made.stdout + made.stderr)
    assert found, made.stdout + made.stderr
    key = found.group(0)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "config/gunicorn.embedded.conf.py"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, server)
        yield base, key
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_fifty_clients_at_once_are_all_answered_without_reset_or_error(embedded):
    base, key = embedded

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        answers = list(
            pool.map(lambda i: _post(f"{base}/transaction", payment(amount=f"{i + 1}.00"), key), range(CLIENTS))
        )

    assert [status for status, _ in answers] == [202] * CLIENTS  # a reset would raise, a 5xx would show


def test_a_refund_race_on_the_embedded_default_never_refunds_more_than_was_captured(embedded):
    base, key = embedded
    _, paid = _post(f"{base}/transaction", payment(amount="49.99"), key)
    request = urllib.request.Request(f"{base}/transaction/{paid['id']}", headers={"Authorization": f"Bearer {key}"})
    for _ in range(100):  # decided in-process (embedded events), just after the answer
        with urllib.request.urlopen(request, timeout=30) as response:
            if json.loads(response.read())["status"] == "approved":
                break
        time.sleep(0.1)
    else:
        raise AssertionError("the payment was not approved")

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        refunds = f"{base}/transaction/{paid['id']}/refunds"
        answers = list(pool.map(lambda i: _post(refunds, {"amount": "2.00"}, key), range(CLIENTS)))

    statuses = sorted(status for status, _ in answers)
    assert statuses == [201] * 24 + [409] * (CLIENTS - 24)
