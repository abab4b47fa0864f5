"""The merchant's view of a decision: GET /transaction/{id} has Stripe's `outcome` (risk score, level,
reason), revealing no rule internals, and the OpenAPI schema says so."""

import json

from antifraud.services.decisions import decide_transaction
from antifraud.services.lists import add_list_entry
from antifraud.services.rule_sets import save_rule


def _get(api, tx_id) -> dict:
    response = api.get(f"/transaction/{tx_id}")
    assert response.status_code == 200
    return response.json()


def test_an_ordinary_approval_has_a_normal_risk_level_and_no_reason(
    api, make_payment, thresholds, django_capture_on_commit_callbacks
):
    tx = make_payment()
    assert _get(api, tx.id)["outcome"] is None  # not scored yet
    with django_capture_on_commit_callbacks(execute=True):  # the decision drops the cached resource
        decide_transaction(transaction_id=tx.id)

    assert _get(api, tx.id)["outcome"] == {"risk_score": 0, "risk_level": "normal", "reason": None}


def test_a_review_says_elevated_and_never_names_the_rules(api, make_payment, thresholds, rule):
    rule("secret_big_amount_rule", "amount_above", 60, thresholds={"USD": 1000})
    tx = make_payment(amount="25.00")
    decide_transaction(transaction_id=tx.id)

    outcome = _get(api, tx.id)["outcome"]
    assert outcome == {"risk_score": 60, "risk_level": "elevated", "reason": "elevated_risk_level"}
    assert "secret_big_amount_rule" not in json.dumps(outcome) and "amount_above" not in json.dumps(outcome)


def test_a_block_listed_card_is_declined_for_the_blocklist(api, make_payment, thresholds):
    tx = make_payment()
    add_list_entry(list_type="block", kind="card_fingerprint", value=tx.card_fingerprint, created_by="test")
    decide_transaction(transaction_id=tx.id)

    assert _get(api, tx.id)["outcome"] == {"risk_score": 100, "risk_level": "highest", "reason": "blocklist"}


def test_a_rule_that_always_declines_gives_the_rule_as_reason_without_naming_it(api, make_payment, thresholds, rule):
    acting = rule("secret_foreign_rule", "bin_country_mismatch", 10)
    acting.action = "decline"
    save_rule(rule=acting, actor="test")
    tx = make_payment(customer={"country": "DE"})
    decide_transaction(transaction_id=tx.id)

    outcome = _get(api, tx.id)["outcome"]
    assert outcome == {"risk_score": 10, "risk_level": "normal", "reason": "rule"}
    assert "secret_foreign_rule" not in json.dumps(outcome)


def test_the_openapi_schema_describes_the_outcome(client):
    schema = client.get("/schema?format=json").json()

    outcome = schema["components"]["schemas"]["TransactionOut"]["properties"]["outcome"]
    assert outcome["required"] == ["risk_score", "risk_level", "reason"]
    assert outcome["properties"]["risk_level"]["enum"] == ["normal", "elevated", "highest"]
