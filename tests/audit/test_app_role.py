"""The audit log as the application's database role sees it: it reads and appends, and can neither
delete, update, truncate nor switch off the triggers; even the owner cannot truncate it."""

import uuid

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from audit.models import AuditEntry
from audit.services import record_about
from eventbus.models import OutboxEvent


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
