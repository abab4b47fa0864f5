"""A worker's database connection across tasks: kept like a request's (CONN_MAX_AGE), replaced once broken."""

from collections.abc import Iterator

import pytest
from django.db import OperationalError, connection, connections

from payproc.celery import app as celery_app
from tests.eventbus.conftest import eventually

_seen: list[int | str] = []


@celery_app.task(name="tests.database_backend_pid")
def _backend_pid() -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            _seen.append(cursor.fetchone()[0])
    except OperationalError as exc:
        _seen.append(f"error: {exc.__class__.__name__}")
        raise


@celery_app.task(name="tests.close_database_connection")
def _close_connection() -> None:
    connection.close()
    _seen.append("closed")


@pytest.fixture
def kept_connections(monkeypatch, celery_worker) -> Iterator[None]:
    """Production keeps connections for a minute; the suite's default is to close them after each use."""
    monkeypatch.setitem(connections.settings["default"], "CONN_MAX_AGE", 60)
    _seen.clear()
    yield
    _close_connection.delay()  # the worker's thread would keep it past the test database's teardown
    assert eventually(lambda: "closed" in _seen, timeout=20)


def _run_tasks(count: int) -> list[int | str]:
    start = len(_seen)
    for _ in range(count):
        _backend_pid.delay()
    assert eventually(lambda: len(_seen) >= start + count, timeout=20)
    return _seen[start:]


def test_tasks_reuse_the_workers_database_connection(kept_connections):
    pids = _run_tasks(3)

    assert len(set(pids)) == 1  # Celery's Django fix-up alone would have connected three times


def test_a_broken_connection_is_replaced_after_the_task_that_found_it(kept_connections):
    (pid,) = _run_tasks(1)
    with connection.cursor() as cursor:  # the test's own connection ends the worker's
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])

    failed, after = _run_tasks(2)

    assert str(failed).startswith("error")
    assert isinstance(after, int) and after != pid
