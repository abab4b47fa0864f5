"""Migration tests move the schema back; this puts it forward again for the tests after them (a plugin
of the root conftest)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


@pytest.fixture
def back_to_the_latest_schema():
    """Migrate every app forward again afterwards: later tests need the tables of later migrations."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
