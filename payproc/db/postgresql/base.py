"""The database backend (ENGINE payproc.db.postgresql): see the package's docstring for why."""

from django.db.backends.postgresql.operations import DatabaseOperations as PostgresOperations
from django_prometheus.db.backends.postgresql import base


class DatabaseOperations(PostgresOperations):
    compiler_module = "payproc.db.postgresql.compiler"


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
