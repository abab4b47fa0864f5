#!/bin/sh
# Run once by the postgres image when its data volume is first created (docker-entrypoint-initdb.d):
# the role payproc's processes connect as. It owns nothing: the schema's owner (POSTGRES_USER) runs the
# migrations and grants it its privileges (`manage.py grant_app_role`), so it may only read and append to
# the audit log and can drop no trigger (audit/db_roles.py).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" -v password="$POSTGRES_APP_PASSWORD" <<'SQL'
CREATE ROLE payproc_app LOGIN PASSWORD :'password';
SQL
