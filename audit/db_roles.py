"""The application's database role: it may read and write payproc's tables, but only read and append to
the audit log. Migrations run as the owner of the schema; web, workers and the other roles connect as
this role, which owns nothing, so it can neither delete, update or truncate audit entries nor drop or
disable the triggers that refuse those (only a table's owner may)."""

from django.db import connection
from psycopg import sql

AUDIT_TABLE = "audit_auditentry"
DEFAULTS = "ALTER DEFAULT PRIVILEGES IN SCHEMA public"


def grant_app_role(role: str) -> None:
    """Grant `role` what the application needs on every table and sequence there is now, and on those
    later migrations create (default privileges of the migrating owner). Run after every migrate."""
    name = sql.Identifier(role)
    statements = [
        sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(name),
        sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}").format(name),
        sql.SQL("GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {}").format(name),
        sql.SQL(f"{DEFAULTS} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {{}}").format(name),
        sql.SQL(f"{DEFAULTS} GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {{}}").format(name),
        sql.SQL("REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {} FROM {}").format(
            sql.Identifier(AUDIT_TABLE), name
        ),
    ]
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
