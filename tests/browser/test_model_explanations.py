"""A live model's decision explained on the payment page, and its version page, in a real browser."""

import pytest
from django.contrib.auth.models import Group, User

from antifraud.learning.training import train_model
from antifraud.models import RiskThresholds
from antifraud.services.decisions import decide_transaction
from antifraud.services.fraud_models import activate_model
from tests.antifraud.learning_history import make_history
from tests.browser.conftest import ARTIFACTS


@pytest.fixture
def explained(transactional_db, merchant, settings, make_payment):
    """A live model trained on a labelled history, a payment it flagged, and an analyst (made before the
    browser starts: no ORM inside Playwright's loop)."""
    settings.FRAUD_MODEL_MIN_FRAUD_LABELS = 8
    RiskThresholds.objects.create(merchant=None, review_at=50, decline_at=80)
    make_history(merchant)
    model = train_model(label_delay_days=0, actor="manage.py:ops")
    assert activate_model(number=model.number, actor="manage.py:ops")
    decision = decide_transaction(transaction_id=make_payment(card_number="4556737586899855", amount="850.00").id)
    user = User.objects.create_user("ann", password="correct-horse-battery", is_staff=True)
    user.groups.add(Group.objects.get(name="Fraud analyst"))
    return model, decision


def test_the_analyst_sees_the_top_factors_in_words_and_the_model_version(live_server, explained, chromium_page):
    (model, decision), page = explained, chromium_page
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "ann")
    page.fill("#id_password", "correct-horse-battery")
    page.click("input[type=submit]")

    page.goto(f"{live_server.url}/admin/antifraud/reviewqueueitem/{decision.transaction_id}/change/")
    rows = page.locator("#explanation tr td:first-child").all_inner_texts()
    assert rows == [factor["text"] for factor in decision.explanation] and rows
    assert f"risk score of model {model.number}" in page.content()
    page.screenshot(path=str(ARTIFACTS / "payment-explanation.png"), full_page=True)

    page.goto(f"{live_server.url}/admin/antifraud/fraudmodelversion/{model.pk}/change/")
    assert "average precision" in page.content()
    page.screenshot(path=str(ARTIFACTS / "fraud-model-version.png"), full_page=True)
