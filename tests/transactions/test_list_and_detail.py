from datetime import timedelta

from django.utils import timezone

from tests.conftest import error_of
from transactions.models import Transaction
from transactions.services import transition_transaction


def test_detail_returns_the_resource(api, post_payment):
    created = post_payment().json()

    response = api.get(f"/transaction/{created['id']}")

    assert response.status_code == 200
    assert response.json() == created


def test_unknown_id_is_404_and_malformed_id_is_404(api):
    missing = api.get("/transaction/6f1c1b52-6d2f-4b8f-9f1e-111111111111")
    malformed = api.get("/transaction/not-a-uuid")

    assert missing.status_code == malformed.status_code == 404
    assert error_of(missing)["code"] == error_of(malformed)["code"] == "resource_not_found"


def test_detail_is_served_from_cache_and_refreshed_after_a_status_change(api, post_payment, django_assert_num_queries):
    tx_id = post_payment().json()["id"]
    api.get(f"/transaction/{tx_id}")  # fills the cache

    with django_assert_num_queries(0):  # the key and the payment both come from the cache
        assert api.get(f"/transaction/{tx_id}").json()["status"] == "pending"

    transition_transaction(transaction_id=tx_id, to="declined", actor="test", decline_reason="do_not_honor")
    # pytest's db fixture never commits, so run the on-commit hook the service registered.
    from django.db import connection

    for _, callback, _ in connection.run_on_commit:
        callback()

    body = api.get(f"/transaction/{tx_id}").json()
    assert body["status"] == "declined"
    assert body["decline_reason"] == "do_not_honor"


def test_list_is_newest_first_with_cursor_pagination(api, post_payment):
    ids = [post_payment(merchant_reference=f"order-{i}").json()["id"] for i in range(5)]

    first = api.get("/transactions?limit=2").json()
    second = api.get(first["next"]).json()
    third = api.get(second["next"]).json()

    seen = [t["id"] for page in (first, second, third) for t in page["results"]]
    assert seen == list(reversed(ids))
    assert third["next"] is None


def test_list_filters_by_status_currency_and_created_range(api, post_payment):
    usd = post_payment().json()["id"]
    eur = post_payment(currency="EUR").json()["id"]
    old = post_payment(currency="EUR").json()["id"]
    Transaction.objects.filter(pk=old).update(created_at=timezone.now() - timedelta(days=10))
    transition_transaction(transaction_id=usd, to="approved", actor="test")

    def ids(query: str) -> set[str]:
        response = api.get(f"/transactions?{query}")
        assert response.status_code == 200, response.json()
        return {t["id"] for t in response.json()["results"]}

    assert ids("status=approved") == {usd}
    assert ids("currency=eur") == {eur, old}
    since = (timezone.now() - timedelta(days=1)).isoformat().replace("+00:00", "Z")
    assert ids(f"created_after={since}") == {usd, eur}
    assert ids(f"created_before={since}") == {old}
    assert ids(f"currency=EUR&created_after={since}") == {eur}


def test_invalid_filter_value_is_400(api):
    bad_status = api.get("/transactions?status=paid")
    bad_date = api.get("/transactions?created_after=yesterday")

    assert bad_status.status_code == bad_date.status_code == 400
    assert error_of(bad_status)["param"] == "status"
    assert error_of(bad_date)["param"] == "created_after"
