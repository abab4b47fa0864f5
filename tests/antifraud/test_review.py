"""Analysts' decisions: same state machine and events as automatic ones, once, on the record."""

import threading

import pytest
from django.contrib.auth.models import Group
from django.db import DatabaseError, connections

from antifraud.errors import AlreadyReviewed, ReasonRequired
from antifraud.services.decisions import decide_transaction
from antifraud.services.reviews import review_transaction
from audit.models import AuditEntry
from eventbus.models import OutboxEvent
from transactions.authorization import authorize_transaction
from transactions.models import Transaction


@pytest.fixture
def in_review(make_payment, rule, thresholds):
    rule("big", "amount_above", 60, thresholds={"USD": 100})
    tx = make_payment()
    decide_transaction(transaction_id=tx.id)
    tx.refresh_from_db()
    assert tx.status == "review"
    return tx


def test_decline_moves_the_payment_and_emits_a_decision_event(in_review):
    review_transaction(transaction_id=in_review.id, analyst="ann", outcome="decline", reason="stolen card report")

    in_review.refresh_from_db()
    assert (in_review.status, in_review.decline_reason) == ("declined", "fraud_review")
    assert in_review.history.last().actor == "user:ann"
    event = OutboxEvent.objects.filter(event_type="antifraud.decision").last()
    assert event.envelope["data"]["decision"] == "decline" and event.envelope["data"]["decided_by"] == "user:ann"


def test_approval_goes_to_the_provider_like_an_automatic_one(in_review):
    review_transaction(transaction_id=in_review.id, analyst="ann", outcome="approve", reason="known customer")
    event = OutboxEvent.objects.filter(event_type="antifraud.decision").last()
    assert event.envelope["data"]["decision"] == "approve"

    from transactions.handlers import authorize_approved_payments

    authorize_approved_payments([event.envelope])  # what the bridge does with the event

    in_review.refresh_from_db()
    assert in_review.status == "approved"
    assert authorize_transaction(transaction_id=in_review.id).status == "approved"


def test_reason_is_required(in_review):
    with pytest.raises(ReasonRequired):
        review_transaction(transaction_id=in_review.id, analyst="ann", outcome="decline", reason="  ")


def test_second_decision_is_refused_with_who_decided(in_review):
    review_transaction(transaction_id=in_review.id, analyst="ann", outcome="approve", reason="ok")

    with pytest.raises(AlreadyReviewed, match="by ann"):
        review_transaction(transaction_id=in_review.id, analyst="bob", outcome="decline", reason="no")


@pytest.mark.django_db(transaction=True)
def test_two_analysts_at_once_make_one_transition(make_payment, rule, thresholds):
    rule("big", "amount_above", 60, thresholds={"USD": 100})
    tx = make_payment()
    decide_transaction(transaction_id=tx.id)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def act(analyst: str, outcome: str) -> None:
        barrier.wait()
        try:
            review_transaction(transaction_id=tx.id, analyst=analyst, outcome=outcome, reason="checked")
            outcomes.append(f"{analyst}:done")
        except AlreadyReviewed:
            outcomes.append(f"{analyst}:refused")
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=act, args=("ann", "decline")),
        threading.Thread(target=act, args=("bob", "approve")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(o.split(":")[1] for o in outcomes) == ["done", "refused"]
    assert OutboxEvent.objects.filter(event_type="antifraud.decision").count() == 2  # automatic + one analyst
    assert Transaction.objects.get(pk=tx.pk).history.count() <= 3


def test_every_review_is_audited_and_the_audit_log_cannot_be_changed(in_review):
    review_transaction(transaction_id=in_review.id, analyst="ann", outcome="decline", reason="chargeback risk")

    entry = AuditEntry.objects.get(object_type="transactions.Transaction")
    assert (entry.actor, entry.action, entry.object_id, entry.note) == (
        "ann",
        "review.decline",
        str(in_review.id),
        "chargeback risk",
    )
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(DatabaseError, match="append-only"):  # the database refuses too
        AuditEntry.objects.filter(pk=entry.pk).update(note="edited")


def test_roles_are_created_by_migration(db):
    analyst = set(Group.objects.get(name="Fraud analyst").permissions.values_list("codename", flat=True))
    risk_admin = set(Group.objects.get(name="Risk admin").permissions.values_list("codename", flat=True))

    assert {"review_transaction", "view_transaction", "add_listentry"} <= analyst
    assert not {"change_fraudrule", "change_merchant", "change_riskthresholds"} & analyst
    assert {"change_fraudrule", "change_riskthresholds"} <= risk_admin
    assert "change_merchant" not in risk_admin
