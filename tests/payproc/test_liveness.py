"""The liveness probe of the roles without an API (docker/alive.sh): each role's loop touches its pulse
file while it turns, and the probe fails once a stuck process stops touching it."""

import os
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from tests.eventbus.test_scale_out import ROOT, _environment

ALIVE = str(ROOT / "docker" / "alive.sh")


def _alive(env: dict[str, str], role: str, max_age: int) -> bool:
    return subprocess.run(["sh", ALIVE, role, str(max_age)], env=env, capture_output=True, check=False).returncode == 0


def _until_alive(env: dict[str, str], role: str, process: subprocess.Popen, seconds: float = 60) -> None:
    until = time.monotonic() + seconds
    while not _alive(env, role, 5):
        assert process.poll() is None, f"{role} exited with {process.returncode}"
        assert time.monotonic() < until, f"{role} never touched its pulse"
        time.sleep(0.3)


@pytest.fixture
def roles(tmp_path: Path):
    """Start entrypoint roles with their pulse files in a directory of this test's own; kill them after."""
    started: list[subprocess.Popen] = []
    env = _environment(uuid.uuid4().hex[:8]) | {"LIVENESS_DIR": str(tmp_path), "LOG_LEVEL": "WARNING"}
    env["PATH"] = f"{Path(os.sys.executable).parent}:{env['PATH']}"

    def start(role: str) -> subprocess.Popen:
        process = subprocess.Popen(
            ["sh", "docker/entrypoint.sh", role], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        started.append(process)
        return process

    yield env, start
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.mark.django_db(transaction=True)
def test_a_stuck_relay_fails_its_probe_and_a_turning_one_passes(roles):
    env, start = roles
    assert not _alive(env, "relay", 120)  # no pulse before the role runs

    relay = start("relay")
    _until_alive(env, "relay", relay)
    os.killpg(relay.pid, signal.SIGSTOP)  # a loop that no longer turns (a hung connection looks the same)
    time.sleep(3.5)
    assert not _alive(env, "relay", 2)
    os.killpg(relay.pid, signal.SIGCONT)
    _until_alive(env, "relay", relay, seconds=10)


@pytest.mark.django_db(transaction=True)
def test_celery_worker_and_beat_touch_their_pulses(roles):
    env, start = roles
    worker, beat = start("worker"), start("beat")
    _until_alive(env, "worker", worker)
    _until_alive(env, "beat", beat)
    assert not _alive(env, "deliveries", 120)  # each role its own file
