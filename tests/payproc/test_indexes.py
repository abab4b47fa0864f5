"""payproc's own tables carry no index that another index of the same table already serves, and the
tables written for every payment no LIKE (pattern_ops) index, which only `startswith` lookups use.

Every index is written on each insert, and on each update of an indexed column, so a needless one is
paid for by every payment and status change. Read from the migrated PostgreSQL schema.
"""

import pytest
from django.apps import apps
from django.db import connection

pytestmark = pytest.mark.django_db

OWN_APPS = ("access", "audit", "eventbus", "transactions", "antifraud", "alerts", "webhooks")
# Written for every payment: the hot path's inserts and status changes.
PER_PAYMENT = (
    "transactions_transaction",
    "transactions_transactionevent",
    "transactions_idempotencyrecord",
    "transactions_outboxevent",
    "transactions_processedevent",
    "antifraud_frauddecision",
)

# Each index of a table: its columns in order, whether it is partial, unique, or a LIKE (pattern_ops) one.
INDEXES = """
SELECT i.relname,
       array(SELECT a.attname FROM unnest(x.indkey) WITH ORDINALITY k(attnum, n)
             JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum ORDER BY k.n),
       x.indpred IS NOT NULL, x.indisunique, pg_get_indexdef(x.indexrelid) LIKE '%%pattern_ops%%'
FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
WHERE t.relname = %s
"""


def _own_tables() -> list[str]:
    return sorted({model._meta.db_table for label in OWN_APPS for model in apps.get_app_config(label).get_models()})


def _indexes(table: str) -> list[tuple[str, list[str], bool, bool, bool]]:
    with connection.cursor() as cursor:
        cursor.execute(INDEXES, [table])
        return cursor.fetchall()


def _redundant(table: str, *, per_payment: bool) -> list[str]:
    """The table's needless indexes; its LIKE indexes count only if it is written for every payment."""
    found = []
    indexes = _indexes(table)
    for name, columns, partial, unique, pattern in indexes:
        if partial or unique:
            continue  # a partial index serves other rows; a unique one enforces something
        if pattern:
            if per_payment:
                found.append(f"{table}.{name}: a LIKE index")
            continue
        for other, other_columns, other_partial, _, other_pattern in indexes:
            if other != name and not other_partial and not other_pattern:
                if other_columns[: len(columns)] == columns and (len(other_columns) > len(columns) or other < name):
                    found.append(f"{table}.{name}: {other} leads with {columns}")
    return found


def test_own_tables_have_no_index_another_index_serves():
    tables = _own_tables()
    assert {"transactions_transaction", "transactions_outboxevent", "antifraud_frauddecision"} <= set(tables)

    assert [finding for table in tables for finding in _redundant(table, per_payment=table in PER_PAYMENT)] == []


def test_the_check_finds_a_covered_index_and_a_like_index():
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE index_probe (a int, b int, c varchar(10))")
        cursor.execute("CREATE INDEX probe_a ON index_probe (a)")
        cursor.execute("CREATE INDEX probe_ab ON index_probe (a, b)")
        cursor.execute("CREATE INDEX probe_c_like ON index_probe (c varchar_pattern_ops)")
        cursor.execute("CREATE INDEX probe_b_partial ON index_probe (b) WHERE a > 0")

    assert sorted(_redundant("index_probe", per_payment=True)) == [
        "index_probe.probe_a: probe_ab leads with ['a']",
        "index_probe.probe_c_like: a LIKE index",
    ]


def test_payments_by_card_are_found_through_an_index():
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN SELECT id FROM transactions_transaction WHERE card_fingerprint = 'f'")
        plan = " ".join(row[0] for row in cursor.fetchall())

    assert "tx_card_fingerprint" in plan
