"""A model version's life: shadow scores stored but unused, maker-checker to go live, decisions on the
model's risk score explained in words, rollback in one action, and the operator's --activate refused
when the candidate does not beat the live policy."""

import pytest
from django.core.management import call_command

from antifraud.errors import SelfApproval
from antifraud.learning.training import train_model
from antifraud.models import FraudDecision, FraudModelVersion, ModelStatus
from antifraud.services.decisions import decide_transaction
from antifraud.services.fraud_models import approve_model, propose_model, rollback_model
from antifraud.services.rule_sets import save_rule
from audit.models import AuditEntry
from tests.antifraud.learning_history import make_history

FOREIGN_CARD = "4556737586899855"  # DE


@pytest.fixture
def candidate(merchant, settings, thresholds) -> FraudModelVersion:
    settings.FRAUD_MODEL_MIN_FRAUD_LABELS = 8
    make_history(merchant)
    return train_model(label_delay_days=0, actor="manage.py:ops")


def _decide(make_payment, **overrides) -> FraudDecision:
    return decide_transaction(transaction_id=make_payment(**overrides).id)


def _fraudlike(make_payment) -> FraudDecision:
    return _decide(make_payment, card_number=FOREIGN_CARD, amount="850.00")


def test_a_shadow_model_scores_every_payment_but_decides_nothing(candidate, make_payment):
    decision = _fraudlike(make_payment)

    assert decision.shadow_model_version == candidate.number and decision.shadow_score >= 50
    assert decision.model_version is None
    assert decision.score == sum(rule["score"] for rule in decision.fired_rules)  # the rules' points decide


def test_going_live_takes_a_second_risk_admin_and_then_the_model_decides_and_explains(candidate, make_payment):
    propose_model(number=candidate.number, actor="user:alice", reason="beats the rules on last month")
    with pytest.raises(SelfApproval):
        approve_model(number=candidate.number, actor="user:alice")
    assert FraudModelVersion.objects.get().status == ModelStatus.PROPOSED

    approve_model(number=candidate.number, actor="user:bob")

    risky, ordinary = _fraudlike(make_payment), _decide(make_payment, amount="35.00")
    assert risky.model_version == ordinary.model_version == candidate.number
    assert risky.outcome in {"review", "decline"} and ordinary.outcome == "approve"
    assert risky.score > ordinary.score
    texts = [factor["text"] for factor in risky.explanation]
    assert "card issued in DE, billing address in US" in texts or "amount 850.00 USD" in texts
    assert abs(sum(factor["share"] for factor in risky.explanation) - 1) < 0.35
    assert list(
        AuditEntry.objects.filter(action__startswith="fraudmodel.").order_by("id").values_list("action", "actor")
    ) == [
        ("fraudmodel.train", "manage.py:ops"),
        ("fraudmodel.propose", "user:alice"),
        ("fraudmodel.approve", "user:bob"),
    ]


def test_with_a_live_model_a_rule_that_always_declines_still_declines(candidate, make_payment, rule):
    propose_model(number=candidate.number, actor="user:alice", reason="beats the rules")
    approve_model(number=candidate.number, actor="user:bob")
    acting = rule("merchant_limit", "amount_above", 0, thresholds={"USD": 3000})
    acting.action = "decline"
    save_rule(rule=acting, actor="test")

    decision = _decide(make_payment, amount="35.00")  # the model alone approves this (test above)

    assert (decision.model_version, decision.outcome) == (candidate.number, "decline")
    assert decision.score < decision.review_at  # the model's risk score did not decide
    assert [factor["factor"] for factor in decision.explanation] == ["rule:merchant_limit"]


def test_rollback_puts_the_previous_state_back_in_one_action(candidate, make_payment):
    propose_model(number=candidate.number, actor="user:alice", reason="better")
    approve_model(number=candidate.number, actor="user:bob")

    assert rollback_model(actor="user:carol", reason="false declines reported") is None

    assert FraudModelVersion.objects.get().status == ModelStatus.RETIRED
    assert _fraudlike(make_payment).model_version is None  # rules alone again
    entry = AuditEntry.objects.get(action="fraudmodel.rollback")
    assert (entry.actor, entry.before, entry.after) == ("user:carol", {"live": 1}, {"live": None})


def test_activate_goes_live_when_the_candidate_beats_the_rules(candidate, capsys, merchant):
    call_command("train_fraud_model", "--label-delay", "0", "--activate")

    assert "is live" in capsys.readouterr().out
    assert FraudModelVersion.objects.get(number=2).status == ModelStatus.LIVE


def test_a_candidate_that_does_not_beat_the_live_policy_stays_in_shadow(merchant, settings, thresholds, rule, capsys):
    settings.FRAUD_MODEL_MIN_FRAUD_LABELS = 8
    rule("high_amount", "amount_above", 90, thresholds={"USD": 30000})  # every fraud of the history, no shopper
    make_history(merchant)

    call_command("train_fraud_model", "--label-delay", "0", "--activate")

    assert "stays in shadow" in capsys.readouterr().out
    version = FraudModelVersion.objects.get()
    assert version.status == ModelStatus.SHADOW and version.live_metrics["average_precision"] == 1.0
    assert AuditEntry.objects.filter(action="fraudmodel.activate_refused").exists()
