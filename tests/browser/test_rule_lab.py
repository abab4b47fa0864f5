"""The rule lab in a real browser: propose, backtest, approve by another Risk admin; shadow rules and labels."""

import re

import pytest
from django.contrib.auth.models import Group, User

from antifraud.models import FraudRule
from antifraud.rule_documents import to_yaml
from antifraud.services.rule_sets import save_rule
from tests.antifraud.conftest import rule, thresholds  # noqa: F401 - fixtures of the history
from tests.antifraud.test_backtest import _draft, history  # noqa: F401 - the labelled history fixture
from tests.browser.conftest import ARTIFACTS

PASSWORD = "correct-horse-battery"


@pytest.fixture
def shadow_rule(transactional_db, thresholds):  # noqa: F811
    """A shadow rule in place before the history is decided, so its hits are on the decisions."""
    watch = FraudRule(name="watch_small", rule_type="amount_above", score=40, parameters={"thresholds": {"USD": 1000}})
    watch.mode = "shadow"
    return save_rule(rule=watch, actor="rita")


@pytest.fixture
def lab(transactional_db, settings, shadow_rule, history):  # noqa: F811
    settings.FRAUD_RULES_MAKER_CHECKER = True
    for name in ("maria", "chen"):
        user = User.objects.create_user(name, password=PASSWORD, is_staff=True)
        user.groups.add(Group.objects.get(name="Risk admin"))
    return {"draft": to_yaml(_draft()), "reported": history["tester"][2].id}


def _sign_in(page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{base}/admin/")


def test_a_rule_change_is_proposed_backtested_and_approved_by_another_risk_admin(live_server, lab, chromium_page):
    page, base = chromium_page, live_server.url

    _sign_in(page, base, "maria")
    page.goto(f"{base}/admin/antifraud/ruleproposal/add/")
    assert "watch_small" in page.input_value("#id_rules")  # the form starts from the live rule set
    page.fill("#id_reason", "decline a card's third payment within a minute")
    page.fill("#id_rules", lab["draft"])
    page.click("#proposal-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/ruleproposal/\d+/change/$"))
    proposal_url = page.url
    assert "added rule card_velocity" in page.locator("#changes").inner_text()
    assert page.locator("button[value=approve]").count() == 0  # not for its maker
    page.screenshot(path=str(ARTIFACTS / "rule-proposal.png"), full_page=True)

    page.click("#backtest-link")
    matrix = page.locator("#confusion").inner_text()
    assert re.search(r"fraud\s+3\s+1\s+2\s+5\s+1\s+0", matrix), matrix
    assert "2 payments would change outcome" in page.content()
    page.screenshot(path=str(ARTIFACTS / "backtest.png"), full_page=True)

    _sign_in(page, base, "chen")
    page.goto(proposal_url)
    page.fill("#note", "backtest: two more fraud payments declined, no legitimate one")
    page.click("button[value=approve]")
    page.wait_for_selector("#proposal-status")
    assert page.locator("#proposal-status").inner_text() == "Approved"
    assert "Live as" in page.content()
    page.screenshot(path=str(ARTIFACTS / "rule-proposal-approved.png"), full_page=True)

    page.goto(f"{base}/admin/antifraud/rulesetversion/")
    newest = page.locator("#result_list tbody tr").first.inner_text()
    assert "proposal #" in newest and "maria" in newest and "chen" in newest
    page.screenshot(path=str(ARTIFACTS / "rule-set-versions.png"), full_page=True)

    page.goto(f"{base}/admin/analytics/")
    page.wait_for_function("window.analyticsRendered === true")
    assert "watch_small" in page.locator("#shadow-rules").inner_text()
    assert "6 fraud, 1 legitimate" in page.locator("#analytics-labels").inner_text()
    page.screenshot(path=str(ARTIFACTS / "analytics-shadow-and-labels.png"), full_page=True)

    page.goto(f"{base}/admin/antifraud/reviewqueueitem/{lab['reported']}/change/")
    assert "Fraudulent" in page.locator("#fraud-report").inner_text()
    assert "version" in page.locator("#rules-version").inner_text()
    page.screenshot(path=str(ARTIFACTS / "payment-with-label.png"), full_page=True)
