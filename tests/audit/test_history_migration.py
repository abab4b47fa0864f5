"""The rules' and incidents' own history tables are dropped into the audit log without losing a row:
RuleChange rows without an audit twin and every system step of an incident are copied with their time;
rows the audit log already had (the same change) are not copied twice."""

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("antifraud", "0013_list_entry_networks"), ("alerts", "0005_one_incident_per_outage")]
AFTER = [("antifraud", "0014_rule_history_in_audit_log"), ("alerts", "0006_incident_history_in_audit_log")]
LONG_AGO = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)


@pytest.mark.django_db(transaction=True)
def test_history_rows_reach_the_audit_log_once_with_their_time(back_to_the_latest_schema):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    FraudRule, RuleChange = apps.get_model("antifraud", "FraudRule"), apps.get_model("antifraud", "RuleChange")
    AuditEntry = apps.get_model("audit", "AuditEntry")
    AlertRule, Incident = apps.get_model("alerts", "AlertRule"), apps.get_model("alerts", "Incident")
    IncidentEvent = apps.get_model("alerts", "IncidentEvent")

    rule = FraudRule.objects.create(name="large", rule_type="amount_above", score=30, parameters={})
    audited = {"score": 30}
    RuleChange.objects.create(rule=rule, rule_name="large", action="created", changed_by="ann", after=audited)
    AuditEntry.objects.create(actor="ann", action="fraudrule.add", object_type="antifraud.FraudRule",
                              object_id=str(rule.pk), after=audited)  # fmt: skip
    older = RuleChange.objects.create(
        rule=rule, rule_name="large", action="updated", changed_by="bob", before={"score": 20}, after=audited
    )
    RuleChange.objects.filter(pk=older.pk).update(changed_at=LONG_AGO)  # before the audit log existed
    alert_rule = AlertRule.objects.create(name="r", event_type="x", summary="s")
    incident = Incident.objects.create(
        id=uuid.uuid4(), rule=alert_rule, fingerprint="r|", severity="warning", summary="s",
        opened_at=LONG_AGO, last_match_at=LONG_AGO,
    )  # fmt: skip
    IncidentEvent.objects.create(incident=incident, at=LONG_AGO, kind="opened", note="first match")
    IncidentEvent.objects.create(incident=incident, at=LONG_AGO, kind="acknowledgement expired")
    IncidentEvent.objects.create(incident=incident, at=LONG_AGO, kind="acknowledged", actor="olga")  # audited

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)

    entries = executor.loader.project_state(AFTER).apps.get_model("audit", "AuditEntry").objects
    rule_history = list(entries.filter(object_type="antifraud.FraudRule").order_by("at", "id"))
    assert rule_history[0].at == LONG_AGO
    assert [(e.action, e.actor) for e in rule_history] == [("fraudrule.change", "bob"), ("fraudrule.add", "ann")]
    incident_history = entries.filter(object_type="alerts.Incident", object_id=str(incident.pk))
    assert sorted(incident_history.values_list("action", "at")) == [
        ("incident.acknowledgement_expired", LONG_AGO),
        ("incident.opened", LONG_AGO),
    ]
    tables = connection.introspection.table_names()
    assert "antifraud_rulechange" not in tables and "alerts_incidentevent" not in tables
