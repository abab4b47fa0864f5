"""Rule matching, windowed thresholds and the YAML round trip."""

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from alerts.matching import InvalidCondition, check_conditions, matches, render
from alerts.models import AlertRule, EscalationPolicy
from alerts.rules_yaml import export_alert_rules, load_alert_rules
from alerts.services import match_rules

from .helpers import MERCHANT, decision_event

EVENT = {
    "type": "payments.transaction.status_changed",
    "data": {"status": "declined", "amount_minor": 5000, "customer": {"country": "GB"}},
}


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"field": "data.status", "op": "eq", "value": "declined"}, True),
        ({"field": "data.status", "op": "ne", "value": "declined"}, False),
        ({"field": "data.amount_minor", "op": "gte", "value": 5000}, True),
        ({"field": "data.amount_minor", "op": "gt", "value": 5000}, False),
        ({"field": "data.customer.country", "op": "in", "value": ["GB", "FR"]}, True),
        ({"field": "data.customer.country", "op": "not_in", "value": ["GB"]}, False),
        ({"field": "data.missing", "op": "eq", "value": None}, False),
        ({"field": "data.status", "op": "gt", "value": 3}, False),  # a string against a number: no match
    ],
)
def test_conditions(condition, expected):
    assert matches(EVENT, [condition]) is expected


def test_templates_fill_dotted_paths_and_mark_absent_fields():
    assert render("{data.status} in {data.customer.country} by {data.nobody}", EVENT) == "declined in GB by ?"


@pytest.mark.parametrize(
    "conditions",
    [
        [{"field": "data.x", "op": "like", "value": 1}],
        [{"field": "data.x", "op": "in", "value": "GB"}],
        [{"field": "data.x", "value": 1}],
        {"field": "data.x"},
    ],
)
def test_invalid_conditions_are_rejected(conditions):
    with pytest.raises(InvalidCondition):
        check_conditions(conditions)


def test_windowed_rule_fires_only_above_its_threshold_and_counts_an_event_once(fraud_spike_rule):
    events = [decision_event(score=95) for _ in range(3)]
    assert [bool(match_rules(event)) for event in events] == [False, False, False]
    assert match_rules(events[0]) == []  # redelivered: still three in the window
    fourth = match_rules(decision_event(score=95))
    assert [(m.rule.name, m.group_key) for m in fourth] == [("fraud-spike", f"merchant={MERCHANT}")]
    assert match_rules(decision_event(score=50)) == []


def test_windows_are_counted_per_group_key(fraud_spike_rule):
    for _ in range(3):
        match_rules(decision_event(score=95))
    assert match_rules(decision_event(score=95, merchant_id="6f1c9b7e-0000-4000-8000-000000000002")) == []


def test_disabled_rules_do_not_fire(fraud_spike_rule):
    fraud_spike_rule.threshold = fraud_spike_rule.window_seconds = None
    fraud_spike_rule.enabled = False
    fraud_spike_rule.save()
    assert match_rules(decision_event(score=99)) == []


def test_a_rule_changed_after_it_was_used_takes_effect_at_once(fraud_spike_rule):
    fraud_spike_rule.threshold = fraud_spike_rule.window_seconds = None
    fraud_spike_rule.save()
    assert match_rules(decision_event(score=99))  # the rules are now kept in memory

    fraud_spike_rule.enabled = False
    fraud_spike_rule.save()
    assert match_rules(decision_event(score=99)) == []  # the save dropped every process's copy


def test_default_rules_load_and_export_back_to_the_same_yaml(db, tmp_path: Path, settings):
    call_command("load_alert_rules")
    assert set(AlertRule.objects.values_list("name", flat=True)) >= {
        "fraud-spike",
        "decline-flood",
        "refund-surge",
        "webhook-endpoint-disabled",
        "provider-circuit-open",
        "outbox-backlog",
        "prometheus",
    }
    exported = export_alert_rules()
    (tmp_path / "rules.yaml").write_text(exported)
    AlertRule.objects.all().delete()
    EscalationPolicy.objects.all().delete()
    assert load_alert_rules(tmp_path / "rules.yaml", actor="test") == (1, 7)
    assert export_alert_rules() == exported
    assert AlertRule.objects.get(name="fraud-spike").escalation_policy.levels.count() == 2


def test_loading_a_file_with_a_bad_operator_fails_and_changes_nothing(db, tmp_path: Path):
    (tmp_path / "bad.yaml").write_text(
        "rules:\n  - name: ok\n    event_type: x\n    summary: s\n"
        "  - name: bad\n    event_type: x\n    summary: s\n    conditions: [{field: data.a, op: like, value: 1}]\n"
    )
    with pytest.raises(CommandError, match="unknown operator"):
        call_command("load_alert_rules", str(tmp_path / "bad.yaml"))
    assert not AlertRule.objects.exists()


def test_loading_rules_is_audited_once_and_a_second_load_changes_nothing(db, tmp_path: Path):
    from audit.models import AuditEntry

    call_command("load_alert_rules")
    first = AuditEntry.objects.filter(object_type__startswith="alerts.").count()
    assert AuditEntry.objects.filter(action="alertrule.add", object_id=str(AlertRule.objects.get(name="prometheus").pk))
    assert AuditEntry.objects.filter(action="escalationlevel.add").count() == 2
    assert all(actor.startswith("manage.py") for actor in AuditEntry.objects.values_list("actor", flat=True))

    call_command("load_alert_rules")
    assert AuditEntry.objects.filter(object_type__startswith="alerts.").count() == first

    (tmp_path / "rules.yaml").write_text(
        (Path(settings_file()).read_text()).replace("threshold: 20\n", "threshold: 25\n", 1)
    )
    call_command("load_alert_rules", str(tmp_path / "rules.yaml"))
    [changed] = AuditEntry.objects.filter(action="alertrule.change")
    assert (changed.before["threshold"], changed.after["threshold"]) == (20, 25)


def settings_file() -> str:
    from django.conf import settings

    return settings.ALERT_RULES_FILE
