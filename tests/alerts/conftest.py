"""Alert-service fixtures: the Bot API stand-in, rules and policies, and a clock tests can move."""

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import Group, User

from alerts.models import AlertRule, EscalationLevel, EscalationPolicy, TelegramAccount

from .telegram_standin import BotApiStandIn, serve

BOT_TOKEN = "123456:TEST-token"
WEBHOOK_SECRET = "telegram-webhook-secret"


@pytest.fixture
def bot_api(settings: Any) -> Iterator[BotApiStandIn]:
    standin = BotApiStandIn()
    server = serve(standin)
    settings.TELEGRAM_BOT_TOKEN = BOT_TOKEN
    settings.TELEGRAM_API_BASE_URL = standin.url
    settings.TELEGRAM_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.OUTBOUND_TELEGRAM_DEADLINE_SECONDS = 0.5
    yield standin
    server.shutdown()
    server.server_close()


@pytest.fixture
def policy(db: None) -> EscalationPolicy:
    policy = EscalationPolicy.objects.create(name="on-call")
    EscalationLevel.objects.create(policy=policy, position=0, delay_seconds=0, targets=["1001"])
    EscalationLevel.objects.create(policy=policy, position=1, delay_seconds=600, targets=["2002", "2003"])
    return policy


@pytest.fixture
def fraud_spike_rule(policy: EscalationPolicy) -> AlertRule:
    return AlertRule.objects.create(
        name="fraud-spike",
        event_type="antifraud.decision",
        conditions=[{"field": "data.score", "op": "gte", "value": 90}],
        threshold=3,
        window_seconds=300,
        severity="critical",
        group_by="merchant={data.merchant_id}",
        summary="Fraud spike at merchant {data.merchant_id}",
        repeat_interval_seconds=1800,
        resolve_after_seconds=900,
        escalation_policy=policy,
    )


@pytest.fixture
def on_call_user(db: None) -> User:
    """A risk admin whose Telegram account is linked (Telegram user id 555)."""
    user = User.objects.create_user("olga", is_staff=True)
    user.groups.add(Group.objects.get(name="Risk admin"))
    TelegramAccount.objects.create(telegram_user_id=555, user=user)
    return user
