"""Model versions and explanations in the console: the version page compares the model with the live
policy, two Risk admins take it live, an analyst only reads; the payment page shows the top factors."""

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from antifraud.learning.training import train_model
from antifraud.models import FraudModelVersion, ModelStatus
from antifraud.services.decisions import decide_transaction
from antifraud.services.fraud_models import activate_model
from audit.models import AuditEntry
from tests.antifraud.learning_history import make_history


@pytest.fixture
def candidate(merchant, settings, thresholds) -> FraudModelVersion:
    settings.FRAUD_MODEL_MIN_FRAUD_LABELS = 8
    make_history(merchant)
    return train_model(label_delay_days=0, actor="manage.py:ops")


def _console(name: str, group: str) -> Client:
    user = User.objects.create_user(name, password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    client = Client()
    client.force_login(user)
    return client


def test_two_risk_admins_take_a_model_live_in_the_console_and_one_rolls_it_back(candidate):
    maker, checker = _console("maria", "Risk admin"), _console("chen", "Risk admin")
    page_url = f"/admin/antifraud/fraudmodelversion/{candidate.pk}/change/"

    page = maker.get(page_url).content.decode()
    assert "Policy live at training" in page and "average precision" in page and "Propose to go live" in page
    maker.post(page_url, {"action": "propose", "note": "better than the rules on September"})
    assert "Approve: go live" not in maker.get(page_url).content.decode()  # not on one's own proposal

    checker.post(page_url, {"action": "approve"})
    assert FraudModelVersion.objects.get().status == ModelStatus.LIVE
    checker.post(page_url, {"action": "rollback", "note": "too many reviews"})

    assert FraudModelVersion.objects.get().status == ModelStatus.RETIRED
    actions = AuditEntry.objects.filter(action__startswith="fraudmodel.").order_by("id").values_list("action", "actor")
    assert list(actions)[1:] == [
        ("fraudmodel.propose", "maria"),
        ("fraudmodel.approve", "chen"),
        ("fraudmodel.rollback", "chen"),
    ]


def test_an_analyst_reads_a_model_version_but_cannot_change_it(candidate):
    analyst = _console("ann", "Fraud analyst")
    page_url = f"/admin/antifraud/fraudmodelversion/{candidate.pk}/change/"

    assert "Propose to go live" not in analyst.get(page_url).content.decode()
    analyst.post(page_url, {"action": "propose", "note": "x"})

    assert FraudModelVersion.objects.get().status == ModelStatus.SHADOW


def test_the_payment_page_explains_a_model_decision_in_words(candidate, make_payment, admin_client):
    assert activate_model(number=candidate.number, actor="manage.py:ops")
    decision = decide_transaction(transaction_id=make_payment(card_number="4556737586899855", amount="850.00").id)

    page = admin_client.get(f"/admin/antifraud/reviewqueueitem/{decision.transaction_id}/change/").content.decode()
    assert f"risk score of model {candidate.number}" in page and "top factors" in page
    assert decision.explanation and decision.explanation[0]["text"] in page
