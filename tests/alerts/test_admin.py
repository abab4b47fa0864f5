"""Alert rules, silences and incidents in the admin: who may do what, and the audit trail."""

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from alerts.evaluation import evaluate_event
from alerts.models import AlertRule, Incident, Silence
from audit.models import AuditEntry

from .helpers import decision_event


def login(group: str, username: str) -> Client:
    user = User.objects.create_user(username, password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def analyst(db) -> Client:
    return login("Fraud analyst", "ann")


@pytest.fixture
def risk_admin(db) -> Client:
    return login("Risk admin", "rita")


RULE_FORM = {
    "name": "big-decline",
    "event_type": "payments.transaction.status_changed",
    "conditions": '[{"field": "data.status", "op": "eq", "value": "declined"}]',
    "severity": "warning",
    "group_by": "merchant={data.merchant_id}",
    "summary": "Declines at {data.merchant_id}",
    "repeat_interval_seconds": 3600,
    "enabled": "on",
}


def test_an_analyst_sees_and_acknowledges_incidents_but_cannot_edit_alert_rules(analyst, fraud_spike_rule):
    for _ in range(4):
        evaluate_event(decision_event(score=99))
    incident = Incident.objects.get()

    assert analyst.get("/admin/alerts/incident/").status_code == 200
    assert "Fraud spike" in analyst.get(f"/admin/alerts/incident/{incident.pk}/change/").content.decode()
    analyst.post("/admin/alerts/incident/", {"action": "acknowledge", "_selected_action": [str(incident.pk)]})
    incident.refresh_from_db()
    assert (incident.state, incident.acknowledged_by) == ("acknowledged", "ann")
    assert AuditEntry.objects.filter(action="incident.acknowledge", actor="ann").exists()

    assert analyst.get("/admin/alerts/alertrule/").status_code == 403
    assert analyst.post("/admin/alerts/alertrule/add/", RULE_FORM).status_code == 403
    assert not AlertRule.objects.filter(name="big-decline").exists()


def test_a_risk_admin_edits_rules_and_every_change_is_audited(risk_admin):
    response = risk_admin.post("/admin/alerts/alertrule/add/", RULE_FORM)

    assert response.status_code == 302
    rule = AlertRule.objects.get(name="big-decline")
    entry = AuditEntry.objects.get(action="alertrule.add")
    assert (entry.actor, entry.after["name"]) == ("rita", "big-decline")

    risk_admin.post(f"/admin/alerts/alertrule/{rule.pk}/change/", {**RULE_FORM, "severity": "critical"})
    change = AuditEntry.objects.get(action="alertrule.change")
    assert (change.before["severity"], change.after["severity"]) == ("warning", "critical")


def test_the_rule_form_rejects_conditions_the_evaluator_would_not_understand(risk_admin):
    response = risk_admin.post(
        "/admin/alerts/alertrule/add/", {**RULE_FORM, "conditions": '[{"field": "data.x", "op": "like", "value": 1}]'}
    )
    assert response.status_code == 200 and "unknown operator" in response.content.decode()
    response = risk_admin.post("/admin/alerts/alertrule/add/", {**RULE_FORM, "threshold": 5})
    assert "needs a window" in response.content.decode()
    assert not AlertRule.objects.exists()


def test_a_silence_records_who_created_it(risk_admin):
    response = risk_admin.post(
        "/admin/alerts/silence/add/",
        {
            "group_key": "",
            "starts_at_0": "2026-01-01",
            "starts_at_1": "10:00:00",
            "ends_at_0": "2026-01-01",
            "ends_at_1": "12:00:00",
            "reason": "provider maintenance",
        },
    )
    assert response.status_code == 302
    assert Silence.objects.get().created_by == "rita"
