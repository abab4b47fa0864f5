"""The recovery sweep drives on payments the pipeline left pending, and never decides one twice."""

from datetime import timedelta

from django.db.models import Count
from django.test import Client
from django.utils import timezone
from prometheus_client import REGISTRY

from antifraud.models import FraudDecision, Outcome
from antifraud.recovery import redrive_stale_payments
from antifraud.tasks import redrive_pending_payments
from transactions.models import Status, Transaction, TransactionEvent


def _age(tx: Transaction, seconds: int) -> Transaction:
    Transaction.objects.filter(pk=tx.pk).update(created_at=timezone.now() - timedelta(seconds=seconds))
    return tx


def _redriven(step: str) -> float:
    return REGISTRY.get_sample_value("payproc_payments_redriven_total", {"step": step}) or 0.0


def _left_pending(ids: list) -> dict[str, int]:
    rows = TransactionEvent.objects.filter(transaction_id__in=ids, from_status=Status.PENDING)
    return {str(row["transaction_id"]): row["n"] for row in rows.values("transaction_id").annotate(n=Count("id"))}


def test_a_payment_pending_past_the_age_is_scored_and_a_fresh_one_is_left_to_the_pipeline(make_payment, thresholds):
    stale, fresh = _age(make_payment(), 120), make_payment()
    before = _redriven("score")

    done = redrive_stale_payments(older_than_seconds=60, limit=100)

    assert (done.scored, done.authorized) == (1, 0)
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert stale.status == Status.APPROVED and FraudDecision.objects.filter(transaction=stale).exists()
    assert fresh.status == Status.PENDING and not FraudDecision.objects.filter(transaction=fresh).exists()
    assert _redriven("score") == before + 1


def test_an_approval_whose_provider_call_was_lost_is_authorized(make_payment, thresholds):
    tx = _age(make_payment(), 120)
    FraudDecision.objects.create(
        transaction=tx, score=0, outcome=Outcome.APPROVE, fired_rules=[], review_at=50, decline_at=80
    )

    done = redrive_stale_payments(older_than_seconds=60, limit=100)

    assert (done.scored, done.authorized) == (0, 1)
    tx.refresh_from_db()
    assert tx.status == Status.APPROVED
    assert FraudDecision.objects.filter(transaction=tx).count() == 1


def test_sweeping_twice_or_after_the_pipeline_decides_nothing_twice(make_payment, thresholds):
    from antifraud.services.decisions import decide_transactions

    ids = [_age(make_payment(), 120).pk for _ in range(3)]
    decide_transactions(transaction_ids=ids[:1])  # the pipeline got to this one first

    redrive_stale_payments(older_than_seconds=60, limit=100)
    again = redrive_stale_payments(older_than_seconds=60, limit=100)

    assert (again.scored, again.authorized) == (0, 0)
    assert FraudDecision.objects.filter(transaction_id__in=ids).count() == 3
    assert set(_left_pending(ids).values()) == {1} and len(_left_pending(ids)) == 3


def test_the_sweep_takes_the_oldest_first_and_at_most_its_batch(make_payment, thresholds, settings):
    settings.PENDING_REDRIVE_AFTER_SECONDS, settings.PENDING_REDRIVE_BATCH = 60, 2
    payments = [_age(make_payment(), seconds) for seconds in (300, 200, 100)]

    assert redrive_pending_payments() == 2

    statuses = [Transaction.objects.get(pk=tx.pk).status for tx in payments]
    assert statuses == [Status.APPROVED, Status.APPROVED, Status.PENDING]


def test_metrics_show_the_age_of_the_oldest_pending_payment(make_payment):
    metrics = Client(REMOTE_ADDR="10.1.2.3")

    assert "payproc_oldest_pending_payment_age_seconds 0.0" in metrics.get("/metrics").content.decode()
    _age(make_payment(), 150)
    _age(make_payment(), 40)

    line = next(
        line
        for line in metrics.get("/metrics").content.decode().splitlines()
        if line.startswith("payproc_oldest_pending_payment_age_seconds ")
    )
    assert 150 <= float(line.split()[1]) < 160
