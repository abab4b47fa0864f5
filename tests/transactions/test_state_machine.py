import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from eventbus.models import OutboxEvent
from transactions.errors import IllegalTransition
from transactions.models import Status, TransactionEvent
from transactions.services import transition_transaction
from transactions.state import ALLOWED_TRANSITIONS, FINAL_STATUSES, check_transition


def test_every_status_has_an_entry_and_finals_have_no_way_out():
    assert set(ALLOWED_TRANSITIONS) == set(Status.values)
    assert FINAL_STATUSES == {Status.DECLINED, Status.FAILED, Status.CANCELED, Status.REFUNDED}


@pytest.mark.parametrize(
    ("from_status", "to_status"),
    [
        ("pending", "pending"),
        ("pending", "refunded"),
        ("declined", "approved"),
        ("approved", "declined"),
        ("refunded", "approved"),
        ("review", "pending"),
        ("failed", "approved"),
        ("canceled", "approved"),
        ("approved", "authorized"),
        ("authorized", "refunded"),
        ("declined", "authorized"),
    ],
)
def test_illegal_transitions_raise(from_status, to_status):
    with pytest.raises(IllegalTransition):
        check_transition(from_status, to_status)


def test_transition_records_history_and_status_changed_event_after_created(post_payment):
    tx_id = post_payment().json()["id"]

    transition_transaction(transaction_id=tx_id, to=Status.REVIEW, actor="antifraud", reason="score 72")
    tx = transition_transaction(transaction_id=tx_id, to=Status.APPROVED, actor="user:alice", reason="known customer")

    assert tx.status == Status.APPROVED and tx.version == 3
    history = [(h.from_status, h.to_status, h.actor, h.reason) for h in TransactionEvent.objects.filter(transaction=tx)]
    assert history == [
        ("", "pending", "api", "payment accepted"),
        ("pending", "review", "antifraud", "score 72"),
        ("review", "approved", "user:alice", "known customer"),
    ]
    events = list(OutboxEvent.objects.filter(key=tx_id).order_by("id"))
    assert [e.event_type for e in events] == [
        "payments.transaction.created",
        "payments.transaction.status_changed",
        "payments.transaction.status_changed",
    ]
    assert events[2].envelope["data"]["from_status"] == "review"
    assert events[2].envelope["data"]["status"] == "approved"
    assert events[2].envelope["data"]["version"] == 3


def test_illegal_transition_writes_nothing(post_payment):
    tx_id = post_payment().json()["id"]
    transition_transaction(transaction_id=tx_id, to=Status.DECLINED, actor="antifraud")
    before = (TransactionEvent.objects.count(), OutboxEvent.objects.count())

    with pytest.raises(IllegalTransition):
        transition_transaction(transaction_id=tx_id, to=Status.APPROVED, actor="user:bob")

    assert (TransactionEvent.objects.count(), OutboxEvent.objects.count()) == before


def test_transition_locks_the_row(post_payment):
    tx_id = post_payment().json()["id"]

    with CaptureQueriesContext(connection) as queries:
        transition_transaction(transaction_id=tx_id, to=Status.APPROVED, actor="test")

    assert any("FOR UPDATE" in query["sql"] for query in queries.captured_queries)
