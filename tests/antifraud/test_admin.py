from antifraud.models import FraudRule, RuleSetVersion
from antifraud.services.decisions import decide_transaction
from audit.models import AuditEntry
from tests.conftest import VISA


def test_payment_page_shows_the_decision_and_never_the_card_number(admin_client, make_payment, rule, thresholds):
    rule("big", "amount_above", 60, thresholds={"USD": 100})
    tx = make_payment()
    decide_transaction(transaction_id=tx.id)

    page = admin_client.get(f"/admin/transactions/transaction/{tx.id}/change/").content.decode()

    assert "review, score 60" in page
    assert "big (+60): amount 49.99 USD above 1.00 USD" in page
    assert VISA not in page and "4242 4242" not in page


def test_editing_a_rule_in_the_admin_records_who_changed_what(admin_client, admin_user, rule):
    large = rule("large", "amount_above", 30, thresholds={"USD": 10000})

    response = admin_client.post(
        f"/admin/antifraud/fraudrule/{large.pk}/change/",
        {
            "name": "large",
            "rule_type": "amount_above",
            "parameters": '{"thresholds": {"USD": 20000}}',
            "score": 35,
            "enabled": "on",
            "mode": "live",
            "action": "score",
            "description": "",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    change = AuditEntry.objects.filter(action="fraudrule.change").get()  # the rule's one history
    assert change.actor == admin_user.username
    assert change.before["parameters"] == {"thresholds": {"USD": 10000}}
    assert change.after["parameters"] == {"thresholds": {"USD": 20000}} and change.after["score"] == 35
    assert FraudRule.objects.get().score == 35
    # The edit is the next version of the rule set (the fixture's save was the first).
    latest = RuleSetVersion.objects.get(number=2)
    assert latest.published_by == admin_user.username and latest.document["rules"][0]["score"] == 35


def test_invalid_rule_parameters_are_refused_in_the_admin(admin_client, rule):
    large = rule("large", "amount_above", 30, thresholds={"USD": 10000})

    response = admin_client.post(
        f"/admin/antifraud/fraudrule/{large.pk}/change/",
        {
            "name": "large",
            "rule_type": "amount_above",
            "parameters": '{"thresholds": {"USD": -5}}',
            "score": 30,
            "enabled": "on",
            "mode": "live",
        },
    )

    assert response.status_code == 200  # the form again, with the error
    assert FraudRule.objects.get().parameters == {"thresholds": {"USD": 10000}}
    assert not AuditEntry.objects.filter(action="fraudrule.change").exists()
