"""The review queue in the Django admin, as an analyst uses it."""

import re

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from antifraud.models import ListEntry
from antifraud.services.decisions import decide_transaction
from audit.models import AuditEntry
from tests.conftest import VISA

QUEUE = "/admin/antifraud/reviewqueueitem/"


@pytest.fixture
def analyst(db) -> Client:
    user = User.objects.create_user("ann", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name="Fraud analyst"))
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def flagged(make_payment, rule, thresholds):
    rule("big", "amount_above", 60, thresholds={"USD": 100})

    def make(**overrides):
        tx = make_payment(**overrides)
        decide_transaction(transaction_id=tx.id)
        return tx

    return make


def test_queue_lists_payments_in_review_oldest_first(analyst, flagged, make_payment):
    first, second = flagged(), flagged()
    make_payment()  # pending, not in the queue

    page = analyst.get(QUEUE).content.decode()

    assert page.count('name="_selected_action"') == 2
    assert page.index(f'value="{first.pk}"') < page.index(f'value="{second.pk}"')
    assert "big: amount 49.99 USD above 1.00 USD" in page


def test_queue_costs_the_same_queries_for_5_or_25_payments(analyst, flagged, django_assert_max_num_queries):
    for _ in range(5):
        flagged()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        analyst.get(QUEUE)
    for _ in range(20):
        flagged()
    with CaptureQueriesContext(connection) as large:
        analyst.get(QUEUE)

    assert len(large.captured_queries) == len(small.captured_queries)


def test_rule_filter_keeps_the_payments_that_fired_that_rule(analyst, flagged, rule):
    rule("bigger", "amount_above", 10, thresholds={"USD": 5000})
    flagged(amount="49.99")  # fires "big" only
    flagged(amount="60.00")  # fires "big" and "bigger"

    def count(query: str) -> int:
        return analyst.get(QUEUE + query).context["cl"].result_count

    assert (count("?rule=big"), count("?rule=bigger"), count("?rule=nothing")) == (2, 1, 0)


def test_filters_and_sorting_answer(analyst, flagged):
    flagged()

    for query in ("?rule=big", "?age=1h", "?currency__exact=USD", "?o=3", "?o=-2"):
        assert analyst.get(QUEUE + query).status_code == 200, query


def test_payment_page_shows_rules_history_and_related_payments_without_the_card_number(analyst, flagged, make_payment):
    tx = flagged()
    make_payment(amount="5.00")  # same card: related

    page = analyst.get(f"{QUEUE}{tx.pk}/change/").content.decode()

    assert "amount 49.99 USD above 1.00 USD" in page
    assert "pending" in page and "review" in page  # history
    assert "5.00 USD" in page  # related payment
    assert "visa 424242…4242, expires 12/2034; issued in US" in page
    assert VISA not in page and "4242 4242" not in page


def test_analyst_declines_with_a_reason_and_the_merchant_sees_it(analyst, flagged, api):
    tx = flagged()

    response = analyst.post(f"{QUEUE}{tx.pk}/change/", {"action": "decline", "reason": "cardholder denied"})

    assert response.status_code == 302
    assert api.get(f"/transaction/{tx.pk}").json()["status"] == "declined"
    assert str(tx.pk) not in analyst.get(QUEUE).content.decode()
    assert AuditEntry.objects.filter(actor="ann", action="review.decline").exists()


def test_decision_without_a_reason_is_refused(analyst, flagged):
    tx = flagged()

    analyst.post(f"{QUEUE}{tx.pk}/change/", {"action": "decline", "reason": ""})

    tx.refresh_from_db()
    assert tx.status == "review"


def test_bulk_decline_asks_for_a_reason_first(analyst, flagged):
    payments = [flagged(), flagged()]
    selected = [str(tx.pk) for tx in payments]

    first = analyst.post(QUEUE, {"action": "decline_selected", "_selected_action": selected})
    assert "Reason (required)" in first.content.decode()
    for tx in payments:
        tx.refresh_from_db()
        assert tx.status == "review"

    analyst.post(
        QUEUE,
        {"action": "decline_selected", "_selected_action": selected, "confirm": "yes", "reason": "card testing ring"},
    )

    for tx in payments:
        tx.refresh_from_db()
        assert tx.status == "declined"


def test_block_card_from_the_payment_page(analyst, flagged):
    tx = flagged()

    analyst.post(f"{QUEUE}{tx.pk}/change/", {"action": "block:card_fingerprint", "reason": "stolen"})

    entry = ListEntry.objects.get()
    assert (entry.list_type, entry.kind, entry.value, entry.created_by) == (
        "block",
        "card_fingerprint",
        tx.card_fingerprint,
        "ann",
    )
    assert AuditEntry.objects.filter(action="list.block").exists()


@pytest.mark.parametrize(
    ("action", "kind", "value"), [("allow:ip", "ip", "203.0.113.7"), ("allow:device", "device", "dev-9")]
)
def test_allow_ip_or_device_from_the_payment_page(analyst, flagged, action, kind, value):
    tx = flagged(device_id="dev-9")
    assert f'value="{action}"' in analyst.get(f"{QUEUE}{tx.pk}/change/").content.decode()

    analyst.post(f"{QUEUE}{tx.pk}/change/", {"action": action, "reason": "known good customer"})

    entry = ListEntry.objects.get()
    assert (entry.list_type, entry.kind, entry.value) == ("allow", kind, value)


def test_analyst_cannot_open_rules_or_merchants(analyst):
    assert analyst.get("/admin/antifraud/fraudrule/").status_code == 403
    assert analyst.get("/admin/transactions/merchant/").status_code == 403
    assert analyst.get(QUEUE).status_code == 200


def test_audit_log_is_read_only_even_for_a_superuser(admin_client, analyst, flagged):
    tx = flagged()
    analyst.post(f"{QUEUE}{tx.pk}/change/", {"action": "note", "reason": "called the customer"})
    entry = AuditEntry.objects.get(action="note")

    assert admin_client.get(f"/admin/audit/auditentry/{entry.pk}/change/").status_code == 200
    admin_client.post(f"/admin/audit/auditentry/{entry.pk}/change/", {"note": "edited"})
    assert admin_client.get(f"/admin/audit/auditentry/{entry.pk}/delete/").status_code == 403
    entry.refresh_from_db()
    assert entry.note == "called the customer"


def test_analytics_page_shows_totals_over_the_embedded_store(analyst, flagged, make_payment, settings):
    settings.CLICKHOUSE_URL = ""
    flagged()
    make_payment()

    page = analyst.get("/admin/analytics/?range=24h").content.decode()

    assert "2 payments; approval rate —; fraud rate 0.0%" in page
    assert "chart-4.6.1.umd.min.js" in page
    scripts = re.findall(r'<script[^>]* src="([^"]+)"', page)
    assert scripts and all(url.startswith("/") and not url.startswith("//") for url in scripts), scripts
    assert '"queue_age"' in page


def test_analytics_page_needs_staff(client, db):
    assert client.get("/admin/analytics/").status_code == 302
