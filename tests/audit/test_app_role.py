"""The audit log as the application's database role sees it: it reads and appends, and can neither
delete, update, truncate nor switch off the triggers; even the owner cannot truncate it; and every entry
has a copy in the analytics store, off the database."""

import uuid

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from audit.models import AuditEntry
from audit.services import record_about
from eventbus.models import OutboxEvent
from tests.antifraud.conftest import clickhouse  # noqa: F401 - the real ClickHouse server's fixture


@pytest.fixture
def app_role(db):
    """A role granted as deployments grant theirs, taken on by this connection for the test."""
    role = f"payproc_app_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE ROLE "{role}" NOLOGIN')
    call_command("grant_app_role", role, stdout=open("/dev/null", "w"))
    yield role
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")
        cursor.execute(f'DROP OWNED BY "{role}"')
        cursor.execute(f'DROP ROLE "{role}"')


def _as(role: str, statement: str) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f'SET LOCAL ROLE "{role}"')
        cursor.execute(statement)


def test_the_application_role_appends_and_reads_but_cannot_erase_the_audit_log(app_role):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f'SET LOCAL ROLE "{app_role}"')
        record_about(actor="test", action="test.append", about=("test.Thing", "1"))
        assert AuditEntry.objects.filter(action="test.append").count() == 1

    for statement in (
        "DELETE FROM audit_auditentry",
        "UPDATE audit_auditentry SET actor = 'someone else'",
        "TRUNCATE audit_auditentry",
        "DROP TRIGGER audit_append_only ON audit_auditentry",
        "ALTER TABLE audit_auditentry DISABLE TRIGGER ALL",
        "DROP TABLE audit_auditentry",
    ):
        with pytest.raises(DatabaseError, match=r"permission denied|must be owner"):
            _as(app_role, statement)
    _as(app_role, f"DELETE FROM {OutboxEvent._meta.db_table} WHERE false")  # its other tables it may change
    assert AuditEntry.objects.filter(action="test.append").count() == 1


def test_even_the_owner_cannot_truncate_the_audit_log(db):
    record_about(actor="test", action="test.append", about=("test.Thing", "1"))

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL payproc.allow_audit_truncate = off")  # as on every database but a test one
        cursor.execute("TRUNCATE audit_auditentry")


def test_every_audit_entry_is_copied_to_clickhouse_once_and_late_commits_are_caught(db, clickhouse):  # noqa: F811
    from datetime import timedelta

    from django.utils import timezone

    from antifraud.audit_archive import OVERLAP, ship_audit_entries

    first = record_about(
        actor="user:rita", action="fraudrule.change", about=("antifraud.FraudRule", "7"),
        before={"score": 30}, after={"score": 35}, note="after the backtest",
    )  # fmt: skip
    assert ship_audit_entries(archive=clickhouse) == 1
    # An entry whose transaction committed late: its time is older than what the archive already holds.
    late = record_about(actor="ops", action="late.commit", about=("test.Thing", "1"))
    with connection.cursor() as cursor:  # the row's time as its transaction took it (the trigger refuses UPDATE)
        cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER audit_append_only")
        cursor.execute("UPDATE audit_auditentry SET at = %s WHERE id = %s", [first.at - OVERLAP / 2, late.pk])
        cursor.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER audit_append_only")
    ship_audit_entries(archive=clickhouse)
    ship_audit_entries(archive=clickhouse)  # nothing new: the overlap is sent again, kept once

    rows = clickhouse.client.execute(
        f"SELECT entry_id, actor, action, object_type, object_id, before, after, note "
        f"FROM {clickhouse.database}.audit_entries FINAL ORDER BY entry_id"
    )
    assert rows == [
        (first.pk, "user:rita", "fraudrule.change", "antifraud.FraudRule", "7",
         '{"score": 30}', '{"score": 35}', "after the backtest"),
        (late.pk, "ops", "late.commit", "test.Thing", "1", "null", "null", ""),
    ]  # fmt: skip
    assert clickhouse.latest_audit_at() >= timezone.now() - timedelta(minutes=1)
