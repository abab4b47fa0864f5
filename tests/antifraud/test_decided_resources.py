"""A batch decision drops every decided payment's cached resource, so GET shows the decision at once."""

from django.core.management import call_command

from antifraud.services.decisions import decide_transactions
from tests.conftest import payment


def test_a_decided_batch_is_not_served_stale_from_the_cache(api, django_capture_on_commit_callbacks):
    call_command("load_fraud_rules")
    ids = [
        api.post("/transaction", payment(), format="json").json()["id"],
        api.post(
            "/transaction",
            payment(card_number="5555555555554444", amount="1500.00", customer={"country": "GB"}),
            format="json",
        ).json()["id"],
    ]
    assert [api.get(f"/transaction/{tx_id}").json()["fraud"] for tx_id in ids] == [None, None]  # now cached

    with django_capture_on_commit_callbacks(execute=True):
        decide_transactions(transaction_ids=ids)

    shown = [api.get(f"/transaction/{tx_id}").json() for tx_id in ids]
    assert [body["fraud"]["decision"] for body in shown] == ["approve", "review"]
    assert [body["status"] for body in shown] == ["approved", "review"]
