# PostgreSQL: every statement that inserts outbox rows sends a notification on commit, so relays wake at
# once instead of polling (eventbus/wakeup.py). Other databases keep polling.

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION payproc_outbox_notify() RETURNS trigger AS $$
BEGIN
  PERFORM pg_notify('payproc_outbox', '');
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS outbox_notify ON transactions_outboxevent;
CREATE TRIGGER outbox_notify AFTER INSERT ON transactions_outboxevent
  FOR EACH STATEMENT EXECUTE FUNCTION payproc_outbox_notify();
"""
DROP = """
DROP TRIGGER IF EXISTS outbox_notify ON transactions_outboxevent;
DROP FUNCTION IF EXISTS payproc_outbox_notify();
"""


def _on_postgresql(sql: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("eventbus", "0001_initial")]

    operations = [migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP))]
