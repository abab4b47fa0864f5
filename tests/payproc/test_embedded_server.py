"""`make run`'s web server as `make run` starts it (gunicorn threads, config/gunicorn.embedded.conf.py) on
SQLite in WAL mode: a burst of 50 clients gets no reset and no error, a refund race stays exact,
schemathesis as two clients gets every answer within 5 s, and a hanging webhook receiver holds no answer."""

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

from tests.api.test_contract import run_schemathesis
from tests.conftest import payment
from tests.outbound.receivers import HostileReceiver
from tests.payproc.test_web_server import ROOT, _free_port, _wait_until_up

CLIENTS = 50
ALERTMANAGER_TOKEN, TELEGRAM_SECRET = "embedded-alertmanager-token", "embedded-telegram-secret"


def _post(url: str, body: dict, key: str, timeout: float = 30) -> tuple[int, dict]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST",
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
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
        "RATE_LIMIT_FAILED_AUTH_PER_IP": "100000/second",
        "ALERTMANAGER_WEBHOOK_TOKEN": ALERTMANAGER_TOKEN,
        "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
        "LOG_LEVEL": "WARNING",
        "OUTBOUND_DISPATCH_INTERVAL_SECONDS": "1",
    }
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput"], cwd=ROOT, env=env, check=True, capture_output=True)
    made = subprocess.run([*manage, "create_merchant", "burst"], cwd=ROOT, env=env, capture_output=True, text=True)
    found = re.search(r"sk_(test|live)_[A-Za-z0-9_-]+", made.stdout + made.stderr)
    assert found, made.stdout + made.stderr
    key = found.group(0)
    # Its log goes to a file: a pipe nobody reads fills up and then blocks every thread that logs.
    log = (tmp_path_factory.mktemp("embedded-log") / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "config/gunicorn.embedded.conf.py"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    periodic = subprocess.Popen(
        [*manage, "run_periodic"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )  # beside the server, as `make run` starts it
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, server)
        yield base, key
    finally:
        periodic.kill()  # it may be mid-send to a receiver that never answers
        server.terminate()
        for process in (server, periodic):
            process.wait(timeout=30)
        log.close()


def test_concurrent_first_requests_for_the_schema_all_get_it(embedded):
    """First in this module: the server has not generated its schema yet (its first generation is where
    concurrent requests answered 500)."""
    base, _ = embedded

    def fetch(_: int) -> int:
        with urllib.request.urlopen(f"{base}/schema?format=json", timeout=30) as response:
            return response.status

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(fetch, range(4))) == [200] * 4  # a 500 raises HTTPError


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


def test_schemathesis_as_two_clients_at_once_gets_every_answer_within_five_seconds(embedded, tmp_path, settings):
    """Two schemathesis runs side by side (its in-process --workers share hypothesis across threads, which
    is not thread-safe on this Python): two clients at once, each request cut off after 5 s."""
    base, key = embedded

    def run(seed: int) -> subprocess.CompletedProcess:
        workdir = tmp_path / str(seed)
        workdir.mkdir()
        return run_schemathesis(
            base, key, workdir, alertmanager_token=ALERTMANAGER_TOKEN, telegram_secret=TELEGRAM_SECRET,
            max_amount_minor=settings.PAYMENT_MAX_AMOUNT_MINOR, seed=seed,
            # A request past 5 s fails the max_response_time check; one with no answer by then, the run.
            options=["--request-timeout", "5", "--max-response-time", "5", "--checks", "not_a_server_error",
                     "--max-examples", "10"],
        )  # fmt: skip

    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = list(pool.map(run, (1, 2)))
    for done in runs:
        report = done.stdout[-6000:] + done.stderr[-2000:]
        assert done.returncode == 0, report
        assert int(re.search(r"(\d+) generated", done.stdout).group(1)) >= 500, report


def test_a_hanging_webhook_receiver_holds_no_answer_and_the_periodic_runner_sends_to_it(embedded):
    base, key = embedded
    receiver = HostileReceiver("hang").start()
    try:
        assert _post(f"{base}/webhook_endpoints", {"url": receiver.url, "events": ["*"]}, key)[0] == 201
        # Sent from the request's thread, each answer would wait for the receiver until the delivery's
        # deadline, past this client's 5 s.
        answers = [_post(f"{base}/transaction", payment(amount=f"{i + 1}.00"), key, timeout=5) for i in range(3)]
        assert [status for status, _ in answers] == [202] * 3
        until = time.monotonic() + 30
        while not receiver.connections:  # run_periodic's dispatch sends them
            assert time.monotonic() < until, "no delivery was attempted"
            time.sleep(0.2)
    finally:
        receiver.stop()
