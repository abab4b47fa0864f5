import uuid
from typing import Any

import pytest

from antifraud.adapters.clickhouse import ClickHouseAnalytics
from antifraud.models import FraudRule, RiskThresholds
from antifraud.services.rule_sets import save_rule
from tests.eventbus.conftest import kafka  # noqa: F401 - the shared Kafka fixture


@pytest.fixture
def rule(db):
    def make(name: str, rule_type: str, score: int, merchant=None, **parameters: Any) -> FraudRule:
        return save_rule(
            rule=FraudRule(name=name, rule_type=rule_type, score=score, parameters=parameters, merchant=merchant),
            actor="test",
        )

    return make


CLICKHOUSE = "127.0.0.1:19000"


@pytest.fixture
def clickhouse(settings):
    """A fresh database on the real ClickHouse server, migrated; dropped afterwards."""
    database = f"payproc_test_{uuid.uuid4().hex[:10]}"
    settings.CLICKHOUSE_URL = f"clickhouse://{CLICKHOUSE}/{database}"
    store = ClickHouseAnalytics.from_url(settings.CLICKHOUSE_URL)
    store.migrate()
    yield store
    store.client.execute(f"DROP DATABASE IF EXISTS {database}")


@pytest.fixture
def thresholds(db):
    return RiskThresholds.objects.create(merchant=None, review_at=50, decline_at=80)
