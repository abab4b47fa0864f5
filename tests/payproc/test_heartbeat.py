"""Beat's heartbeat: the task stamps the shared cache, /metrics shows its age."""

import time_machine
from django.test import Client

from payproc.observability.tasks import beat_heartbeat


def _age() -> float:
    text = Client(REMOTE_ADDR="10.1.2.3").get("/metrics").content.decode()
    return float(
        next(line for line in text.splitlines() if line.startswith("payproc_beat_heartbeat_age_seconds ")).split()[1]
    )


def test_no_heartbeat_yet_reads_as_infinitely_old_then_the_task_resets_it(db):
    assert _age() == float("inf")

    with time_machine.travel("2026-12-01 10:00:00", tick=False):
        beat_heartbeat.delay()
    with time_machine.travel("2026-12-01 10:04:00", tick=False):
        assert _age() == 240.0
    beat_heartbeat.delay()
    assert _age() < 5
