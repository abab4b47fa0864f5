from typing import Any

import pytest

from antifraud.models import FraudRule, RiskThresholds
from antifraud.rule_services import save_rule
from tests.eventbus.conftest import kafka  # noqa: F401 - the shared Kafka fixture


@pytest.fixture
def rule(db):
    def make(name: str, rule_type: str, score: int, merchant=None, **parameters: Any) -> FraudRule:
        return save_rule(
            rule=FraudRule(name=name, rule_type=rule_type, score=score, parameters=parameters, merchant=merchant),
            actor="test",
        )

    return make


@pytest.fixture
def thresholds(db):
    return RiskThresholds.objects.create(merchant=None, review_at=50, decline_at=80)
