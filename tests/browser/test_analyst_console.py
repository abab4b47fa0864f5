"""The analyst console in a real browser: Playwright driving Debian's Chromium against a live server."""

import pytest
import requests
from django.contrib.auth.models import Group, User

from antifraud.models import FraudRule
from antifraud.services.decisions import decide_transaction
from antifraud.services.rule_sets import save_rule
from tests.browser.conftest import ARTIFACTS


@pytest.fixture
def flagged_payment(transactional_db, make_payment):
    """A payment in review and an analyst, made before the browser starts (no ORM inside Playwright's loop)."""
    save_rule(
        rule=FraudRule(name="big", rule_type="amount_above", score=60, parameters={"thresholds": {"USD": 100}}),
        actor="test",
    )
    tx = make_payment(customer={"email": "suspect@example.com", "ip": "203.0.113.7", "country": "US"})
    decide_transaction(transaction_id=tx.id)
    user = User.objects.create_user("ann", password="correct-horse-battery", is_staff=True)
    user.groups.add(Group.objects.get(name="Fraud analyst"))
    return tx


@pytest.fixture
def browser_page(flagged_payment, chromium_page):
    return chromium_page


def test_analyst_declines_a_flagged_payment_in_the_browser(live_server, flagged_payment, api_key, browser_page):
    page, tx_id = browser_page, flagged_payment.id

    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "ann")
    page.fill("#id_password", "correct-horse-battery")
    page.click("input[type=submit]")
    page.goto(f"{live_server.url}/admin/antifraud/reviewqueueitem/")
    assert page.locator("#result_list tbody tr").count() == 1
    assert "amount 49.99 USD above 1.00 USD" in page.content()
    page.screenshot(path=str(ARTIFACTS / "review-queue.png"), full_page=True)

    page.click("#result_list tbody tr th a")
    assert page.locator("#fired-rules").inner_text().count("big") == 1
    page.screenshot(path=str(ARTIFACTS / "review-payment.png"), full_page=True)
    page.fill("#reason", "cardholder says the card was stolen")
    page.click("#review-form button[value=decline]")

    page.wait_for_url("**/admin/antifraud/reviewqueueitem/")
    assert page.locator("#result_list tbody tr").count() == 0
    body = requests.get(
        f"{live_server.url}/transaction/{tx_id}", headers={"Authorization": f"Bearer {api_key}"}, timeout=10
    ).json()
    assert (body["status"], body["decline_reason"]) == ("declined", "fraud_review")

    response = page.goto(f"{live_server.url}/admin/antifraud/fraudrule/")
    assert response.status == 403

    page.goto(f"{live_server.url}/admin/analytics/")
    page.wait_for_function("window.analyticsRendered === true")
    assert "1 payment;" in page.locator("#analytics-totals").inner_text()
    page.screenshot(path=str(ARTIFACTS / "analytics.png"), full_page=True)
