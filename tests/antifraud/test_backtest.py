"""The backtest replays stored payments through a draft rule set, against PostgreSQL, Redis and ClickHouse."""

import copy
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from antifraud.adapters.db_analytics import DatabaseAnalytics
from antifraud.adapters.ports import SummaryQuery
from antifraud.analytics import rows_from_events
from antifraud.backtest import backtest
from antifraud.rule_documents import live_document, to_yaml
from antifraud.services.decisions import decide_transaction
from antifraud.services.proposals import propose_rules
from antifraud.services.reports import report_fraud
from antifraud.services.reviews import review_transaction
from eventbus.models import OutboxEvent
from transactions.models import Transaction

TESTER_CARD = "5555555555554444"
STOLEN_CARD = "4000000000009979"  # the sandbox declines it as a stolen card


@pytest.fixture
def history(make_payment, rule, thresholds, merchant):
    """Seven decided payments with what we learnt since: one shopper vouched for, four card-testing
    payments on one card and one stolen card (reported or declined by the issuer), one declined in review."""
    rule("large", "amount_above", 30, thresholds={"USD": 100000})
    rule("huge", "amount_above", 25, thresholds={"USD": 150000})
    shopper = make_payment(amount="20.00")
    tester = [make_payment(amount="5.00", card_number=TESTER_CARD) for _ in range(4)]
    stolen = make_payment(amount="40.00", card_number=STOLEN_CARD)
    reviewed = make_payment(amount="2000.00")
    for tx in (shopper, *tester, stolen, reviewed):
        decide_transaction(transaction_id=tx.id)
    assert Transaction.objects.get(pk=stolen.pk).decline_reason == "stolen_card"
    review_transaction(transaction_id=reviewed.id, analyst="ann", outcome="decline", reason="known fraud ring")
    report_fraud(merchant=merchant, transaction_id=shopper.id, reason="not_fraud")
    for tx in tester:
        report_fraud(merchant=merchant, transaction_id=tx.id, reason="fraudulent")
    return {"shopper": shopper, "tester": tester, "stolen": stolen, "reviewed": reviewed}


def _draft() -> dict:
    """The live rules plus a card velocity rule that declines a card's third payment within a minute."""
    document = copy.deepcopy(live_document())
    velocity = {"key": "card", "measure": "count", "window_seconds": 60, "limit": 2}
    document["rules"].append({"name": "card_velocity", "type": "velocity", "score": 85, "parameters": velocity})
    return document


def _period() -> dict:
    now = timezone.now()
    return {"start": now - timedelta(days=1), "end": now + timedelta(minutes=1)}


EXPECTED_DRAFT = {
    "fraud": {"approve": 3, "review": 1, "decline": 2},  # the tester's third and fourth payments now declined
    "legit": {"approve": 1, "review": 0, "decline": 0},
    "unlabelled": {"approve": 0, "review": 0, "decline": 0},
}
EXPECTED_RECORDED = {
    "fraud": {"approve": 5, "review": 1, "decline": 0},
    "legit": {"approve": 1, "review": 0, "decline": 0},
    "unlabelled": {"approve": 0, "review": 0, "decline": 0},
}


def test_a_draft_rule_set_is_replayed_in_time_order_against_the_labels(history):
    result = backtest(_draft(), **_period(), store=DatabaseAnalytics())

    assert (result.draft, result.recorded) == (EXPECTED_DRAFT, EXPECTED_RECORDED)
    assert result.draft_rates.recall == 0.5 and result.recorded_rates.recall == round(1 / 6, 4)
    assert result.draft_rates.false_declines == 0.0
    changed = {change.transaction_id: change for change in result.changed}
    assert set(changed) == {str(tx.id) for tx in history["tester"][2:]}
    first = changed[str(history["tester"][2].id)]
    assert (first.before, first.after, first.label, first.rules) == ("approve", "decline", "fraud", ("card_velocity",))


def test_clickhouse_history_gives_the_same_backtest_as_the_database(history, clickhouse):
    rows = rows_from_events([event.envelope for event in OutboxEvent.objects.order_by("id")])
    clickhouse.write(**rows._asdict())
    clickhouse.write(**rows._asdict())  # redelivered events change nothing

    from_clickhouse = backtest(_draft(), **_period(), store=clickhouse)

    assert (from_clickhouse.draft, from_clickhouse.recorded) == (EXPECTED_DRAFT, EXPECTED_RECORDED)
    assert from_clickhouse.changed_count == 2
    summary = clickhouse.summary(SummaryQuery(merchant_id=None, bucket="hour", **_period()))
    assert summary.labels == DatabaseAnalytics().summary(SummaryQuery(None, bucket="hour", **_period())).labels
    assert summary.labels == {"fraud": 6, "legit": 1}


def test_windows_are_warmed_up_with_the_payments_before_the_period(history):
    tester = history["tester"]
    Transaction.objects.filter(pk__in=[tx.pk for tx in tester[:2]]).update(
        created_at=timezone.now() - timedelta(seconds=30)
    )
    start = timezone.now() - timedelta(seconds=10)  # the first two are before the period, inside the window

    result = backtest(_draft(), start=start, end=timezone.now() + timedelta(minutes=1), store=DatabaseAnalytics())

    assert result.warmup_payments == 2
    assert result.draft["fraud"]["decline"] == 2  # still the third and fourth of the card's minute


def test_the_backtest_command_prints_the_matrix_and_the_changed_payments(history, tmp_path):
    path = tmp_path / "draft.yaml"
    path.write_text(to_yaml(_draft()))
    out = StringIO()

    call_command("backtest_rules", "--file", str(path), "--days", "1", stdout=out)

    text = out.getvalue()
    assert "6 payments compared" not in text and "7 payments compared" in text
    assert [line.split() for line in text.splitlines() if line.startswith("fraud")] == [
        ["fraud", "3", "1", "2", "5", "1", "0"]
    ]
    assert "recall 50.0% (recorded 16.7%)" in text
    assert "2 payment(s) would change outcome:" in text and str(history["tester"][3].id) in text


def test_the_backtest_command_refuses_a_broken_rule_set(db, tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("rules: [{name: a, type: velocity, score: 5}]")
    with pytest.raises(Exception, match="key must be one of"):
        call_command("backtest_rules", "--file", str(path))


def test_analysts_backtest_a_proposal_in_the_console(history, settings):
    settings.FRAUD_RULES_MAKER_CHECKER = True
    proposal = propose_rules(document=_draft(), actor="maria", reason="catch card testing")
    user = User.objects.create_user("chen", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name="Risk admin"))
    client = Client()
    client.force_login(user)

    assert "backtest-link" in client.get(f"/admin/antifraud/ruleproposal/{proposal.pk}/change/").content.decode()
    page = client.get(f"/admin/antifraud/ruleproposal/{proposal.pk}/backtest/?days=1").content.decode()

    assert "<th>fraud</th><td>3</td><td>1</td><td>2</td><td>5</td><td>1</td><td>0</td>" in page
    assert "2 payments would change outcome" in page and str(history["tester"][2].id) in page
    assert "50.0%" in page


def test_an_unreachable_analytics_store_makes_the_backtest_page_say_so(history, settings):
    settings.CLICKHOUSE_URL = "clickhouse://127.0.0.1:1/payproc"
    proposal = propose_rules(document=_draft(), actor="maria", reason="catch card testing")
    client = Client()
    client.force_login(User.objects.create_superuser("root", password="pw"))

    response = client.get(f"/admin/antifraud/ruleproposal/{proposal.pk}/backtest/", follow=True)

    assert response.status_code == 200 and "cannot be reached" in response.content.decode()


def test_the_analytics_page_counts_the_labels(history, admin_client):
    page = admin_client.get("/admin/analytics/").content.decode()

    assert "labelled since: 6 fraud, 1 legitimate" in page
