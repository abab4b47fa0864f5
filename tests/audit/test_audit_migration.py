"""Moving the audit log to its own app keeps every earlier entry, its time and its object."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE_THE_MOVE = [("antifraud", "0004_review_queue"), ("audit", None)]
AFTER_THE_MOVE = [("antifraud", "0005_audit_moves_to_its_own_app"), ("audit", "0001_initial")]


@pytest.mark.django_db(transaction=True)
def test_entries_written_before_the_move_are_copied_with_their_time_and_app_label(back_to_the_latest_schema):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE_THE_MOVE)
    old = executor.loader.project_state([BEFORE_THE_MOVE[0]]).apps.get_model("antifraud", "AuditEntry")
    written = old.objects.create(actor="ann", action="review.decline", object_type="Transaction", object_id="t-1")
    old.objects.filter(pk=written.pk).update(at="2026-01-02T03:04:05Z")  # an entry from long ago

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER_THE_MOVE)

    new = executor.loader.project_state(AFTER_THE_MOVE).apps.get_model("audit", "AuditEntry")
    copied = new.objects.get()
    assert (copied.actor, copied.action, copied.object_type, copied.object_id) == (
        "ann",
        "review.decline",
        "transactions.Transaction",
        "t-1",
    )
    assert copied.at.isoformat() == "2026-01-02T03:04:05+00:00"
    assert "antifraud_auditentry" not in connection.introspection.table_names()
