"""Processed-event marks: kept for batch handlers that need them, skipped for self-idempotent ones."""

from collections import Counter
from typing import Any
from uuid import uuid4

import pytest

from eventbus import handlers
from eventbus.models import ProcessedEvent


def _event(n: int) -> dict[str, Any]:
    return {"event_id": str(uuid4()), "type": "tests.thing", "key": f"k{n}", "data": {}}


@pytest.fixture
def applied() -> Counter[str]:
    counts: Counter[str] = Counter()

    def apply(envelopes: list[dict[str, Any]]) -> None:
        counts.update(envelope["event_id"] for envelope in envelopes)

    handlers.batch_event_handler("tests.marked", "tests.thing")(apply)
    handlers.batch_event_handler("tests.self_idempotent", "tests.thing", idempotent=True)(apply)
    yield counts
    handlers.unregister("tests.marked")
    handlers.unregister("tests.self_idempotent")


@pytest.mark.django_db
def test_a_redelivered_batch_is_skipped_by_a_marked_handler(applied):
    batch = [_event(n) for n in range(3)]

    assert handlers.run_batch(handler_name="tests.marked", envelopes=batch) == []
    assert handlers.run_batch(handler_name="tests.marked", envelopes=batch) == []

    assert sorted(applied.values()) == [1, 1, 1]
    assert ProcessedEvent.objects.filter(handler="tests.marked").count() == 3


@pytest.mark.django_db
def test_a_self_idempotent_handler_keeps_no_marks_and_sees_redeliveries(applied):
    batch = [_event(n) for n in range(3)]

    handlers.run_batch(handler_name="tests.self_idempotent", envelopes=batch)
    handlers.run_batch(handler_name="tests.self_idempotent", envelopes=batch)
    assert handlers.run_handler(handler_name="tests.self_idempotent", envelope=batch[0]) is True

    assert sorted(applied.values()) == [2, 2, 3]
    assert not ProcessedEvent.objects.filter(handler="tests.self_idempotent").exists()


def test_the_domain_handlers_are_idempotent_by_their_own_design():
    for name in ("antifraud.score", "payments.authorize", "alerts.evaluate"):
        assert handlers.get_handler(name).idempotent, name
