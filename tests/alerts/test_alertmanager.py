"""Alertmanager's webhook: Prometheus alerts become incidents, grouped by labels, resolved by `resolved`."""

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from alerts.models import Incident

TOKEN = "am-token"


@pytest.fixture
def alertmanager(db, settings):
    settings.ALERTMANAGER_WEBHOOK_TOKEN = TOKEN
    call_command("load_alert_rules")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    return client


def payload(status: str, *, instance: str = "web-1", severity: str = "critical") -> dict:
    alert = {
        "status": status,
        "labels": {"alertname": "HighErrorRate", "instance": instance, "severity": severity},
        "annotations": {"summary": "5xx above 5% for 5 minutes"},
        "startsAt": "2026-11-25T10:00:00Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus:9090/graph",
        "fingerprint": f"fp-{instance}",
    }
    return {"version": "4", "status": status, "receiver": "payproc", "groupKey": "{}:{}", "alerts": [alert]}


def test_firing_alert_opens_an_incident_with_the_label_severity(alertmanager):
    response = alertmanager.post("/alerts/alertmanager", payload("firing"), format="json")

    assert response.status_code == 200 and response.json() == {"fired": 1, "resolved": 0}
    incident = Incident.objects.get()
    assert (incident.rule.name, incident.severity, incident.state) == ("prometheus", "critical", "firing")
    assert incident.group_key == "alertname=HighErrorRate,instance=web-1,severity=critical"
    assert incident.summary == "HighErrorRate: 5xx above 5% for 5 minutes"
    assert incident.details["labels"]["instance"] == "web-1"


def test_repeated_firing_updates_the_incident_and_resolved_resolves_it(alertmanager):
    alertmanager.post("/alerts/alertmanager", payload("firing"), format="json")
    alertmanager.post("/alerts/alertmanager", payload("firing"), format="json")
    alertmanager.post("/alerts/alertmanager", payload("firing", instance="web-2"), format="json")
    assert sorted(Incident.objects.values_list("match_count", flat=True)) == [1, 2]

    response = alertmanager.post("/alerts/alertmanager", payload("resolved"), format="json")

    assert response.json() == {"fired": 0, "resolved": 1}
    resolved = Incident.objects.get(group_key__contains="web-1")
    assert (resolved.state, resolved.resolved_by) == ("resolved", "alertmanager")
    assert Incident.objects.get(group_key__contains="web-2").state == "firing"


def test_a_resolved_alert_without_an_open_incident_is_accepted(alertmanager):
    assert alertmanager.post("/alerts/alertmanager", payload("resolved"), format="json").json() == {
        "fired": 0,
        "resolved": 0,
    }


@pytest.mark.parametrize("header", [None, "Bearer wrong", f"Basic {TOKEN}"])
def test_wrong_or_missing_token_is_rejected(alertmanager, header):
    client = APIClient()
    if header:
        client.credentials(HTTP_AUTHORIZATION=header)

    response = client.post("/alerts/alertmanager", payload("firing"), format="json")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_webhook_secret"
    assert not Incident.objects.exists()


@pytest.mark.parametrize(
    ("change", "param"),
    [
        (lambda body: body["alerts"][0].update(status="exploded"), "alerts"),
        (lambda body: body.update(alerts=[]), "alerts"),
        (lambda body: body["alerts"][0].update(labels={}), "alerts"),
        (lambda body: body.pop("status"), "status"),
    ],
)
def test_malformed_payload_is_a_400_with_the_uniform_error(alertmanager, change, param):
    body = payload("firing")
    change(body)

    response = alertmanager.post("/alerts/alertmanager", body, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["param"].startswith(param)
    assert response.json()["error"]["type"] == "invalid_request_error"
    assert not Incident.objects.exists()


def test_receiver_is_closed_without_a_configured_token(alertmanager, settings):
    settings.ALERTMANAGER_WEBHOOK_TOKEN = ""
    response = alertmanager.post("/alerts/alertmanager", payload("firing"), format="json")
    assert response.status_code == 403
