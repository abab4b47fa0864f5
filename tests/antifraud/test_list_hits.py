"""Block and allow list lookups for a scoring batch: one query for all its payments, each payment
getting the hits of its own values and kinds only, and the listed networks read through their index."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from antifraud.facts import PaymentFacts
from antifraud.services.lists import add_list_entry, list_hits_many

pytestmark = pytest.mark.django_db


def _hits(payments) -> list[set[tuple[str, str, str]]]:
    facts = [PaymentFacts.of(tx) for tx in payments]
    return [{(hit.list_type, hit.kind, hit.value) for hit in hits} for hits in list_hits_many(facts)]


def test_each_payment_of_a_batch_gets_its_own_hits_in_one_query(make_payment):
    jane = make_payment(device_id="dev-1")
    john = make_payment(customer={"email": "john@example.org", "ip": "198.51.100.9", "country": "DE"})
    add_list_entry(list_type="block", kind="device", value="dev-1")
    add_list_entry(list_type="allow", kind="email", value="john@example.org")
    add_list_entry(list_type="block", kind="ip", value="198.51.100.0/24")

    with CaptureQueriesContext(connection) as queries:
        hits = _hits([jane, john])

    assert hits == [
        {("block", "device", "dev-1")},
        {("allow", "email", "john@example.org"), ("block", "ip", "198.51.100.0/24")},
    ]
    assert len(queries.captured_queries) == 1


def test_a_value_listed_under_another_kind_is_no_hit(make_payment):
    tx = make_payment(device_id="dev-1")  # country US, e-mail domain example.com
    add_list_entry(list_type="block", kind="device", value="US")
    add_list_entry(list_type="block", kind="email", value="example.com")
    add_list_entry(list_type="block", kind="bin", value="dev-1")

    assert _hits([tx]) == [set()]


def test_listed_networks_are_read_through_their_own_index(make_payment):
    tx = make_payment()
    add_list_entry(list_type="block", kind="ip", value="10.0.0.0/8")
    with CaptureQueriesContext(connection) as queries:
        _hits([tx])

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + queries.captured_queries[0]["sql"])
        plan = " ".join(row[0] for row in cursor.fetchall())

    assert "list_entry_networks" in plan
