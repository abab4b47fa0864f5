"""One incident per outage: the three conditions both a domain rule and a Prometheus alert can report
(outbox backlog, provider circuit open, fraud spike) open one incident and page once, whichever path
reports first. The Prometheus side is read from config/prometheus_rules.yml, its label templates rendered
as Prometheus renders them, so a rule whose labels drift from the domain rule's fails here."""

import re
import uuid
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from alerts.evaluation import evaluate_event
from alerts.models import Incident, Notification

from .helpers import MERCHANT, decision_event

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "am-token"


def _prometheus_alert(name: str) -> dict:
    rules = yaml.safe_load((ROOT / "config" / "prometheus_rules.yml").read_text())["groups"][0]["rules"]
    return next(rule for rule in rules if rule.get("alert") == name)


def _rendered(labels: dict[str, str], series: dict[str, str]) -> dict[str, str]:
    """Alert labels as Prometheus sends them: the series' labels plus the rule's, templates filled."""
    fill = lambda value: re.sub(r"\{\{\s*\$labels\.(\w+)\s*\}\}", lambda m: series[m.group(1)], str(value))  # noqa: E731
    return {**series, **{key: fill(value) for key, value in labels.items()}}


def _alertmanager_payload(labels: dict[str, str]) -> dict:
    alert = {
        "status": "firing",
        "labels": labels,
        "annotations": {"summary": "from Prometheus"},
        "startsAt": timezone.now().isoformat(),
        "fingerprint": uuid.uuid4().hex,
    }
    return {"version": "4", "status": "firing", "receiver": "payproc", "alerts": [alert]}


def _event(event_type: str, data: dict) -> dict:
    return {"event_id": str(uuid.uuid4()), "type": event_type, "occurred_at": timezone.now().isoformat(), "data": data}


def outbox_backlog() -> tuple[list[dict], dict[str, str]]:
    events = [_event("system.outbox_backlog", {"unsent": 900, "oldest_age_seconds": 420.0})]
    rule = _prometheus_alert("PayprocOutboxBacklog")
    return events, _rendered({"alertname": rule["alert"], **rule["labels"]}, {})


def provider_circuit_open() -> tuple[list[dict], dict[str, str]]:
    data = {"provider": "sandbox", "failures": 5, "last_error": "timeout"}
    events = [_event("provider.circuit_open", data)]
    rule = _prometheus_alert("PayprocProviderCircuitOpen")
    return events, _rendered({"alertname": rule["alert"], **rule["labels"]}, {"provider": "sandbox"})


def fraud_spike() -> tuple[list[dict], dict[str, str]]:
    # Its one source is the domain rule (no Prometheus rule ships); an operator's own alert labelled with
    # the same condition and group joins the same incident.
    events = [decision_event(score=95) for _ in range(6)]
    labels = {"alertname": "ShopFraudSpike", "severity": "critical", "condition": "fraud-spike"}
    return events, labels | {"group": f"merchant={MERCHANT}"}


@pytest.fixture
def alertmanager(db, settings) -> APIClient:
    settings.ALERTMANAGER_WEBHOOK_TOKEN = TOKEN
    call_command("load_alert_rules")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    return client


@pytest.mark.parametrize("condition", [outbox_backlog, provider_circuit_open, fraud_spike])
@pytest.mark.parametrize("prometheus_first", [True, False], ids=["prometheus-first", "domain-first"])
def test_a_condition_reported_by_both_paths_is_one_incident_paged_once(alertmanager, condition, prometheus_first):
    events, labels = condition()

    def prometheus() -> None:
        response = alertmanager.post("/alerts/alertmanager", _alertmanager_payload(labels), format="json")
        assert response.status_code == 200

    def domain() -> None:
        for event in events:
            evaluate_event(event)

    for report in (prometheus, domain) if prometheus_first else (domain, prometheus):
        report()

    [incident] = Incident.objects.all()
    assert incident.match_count >= 2  # both reports counted on it
    assert Notification.objects.filter(kind="message").count() == 1  # paged once (the default chat)


def test_other_prometheus_alerts_keep_an_incident_each(alertmanager):
    for instance in ("web-1", "web-2"):
        labels = {"alertname": "PayprocTargetDown", "instance": instance, "severity": "critical"}
        alertmanager.post("/alerts/alertmanager", _alertmanager_payload(labels), format="json")
    assert sorted(Incident.objects.values_list("fingerprint", flat=True)) == [
        f"prometheus:PayprocTargetDown|alertname=PayprocTargetDown,instance={i},severity=critical"
        for i in ("web-1", "web-2")
    ]


def test_each_shipped_condition_has_one_source_or_shared_labels():
    """A Prometheus alert that reports a domain rule's condition carries the condition label; no shipped
    Prometheus alert reports the business signals the domain rules own."""
    domain = {
        rule["condition"]: rule
        for rule in yaml.safe_load((ROOT / "config" / "alert_rules.yaml").read_text())["rules"]
        if rule.get("condition") and rule["event_type"] != "alertmanager.alert"
    }
    rules = yaml.safe_load((ROOT / "config" / "prometheus_rules.yml").read_text())["groups"][0]["rules"]
    labelled = {rule["labels"]["condition"]: rule["alert"] for rule in rules if "condition" in rule["labels"]}
    assert labelled == {"outbox-backlog": "PayprocOutboxBacklog", "provider-circuit-open": "PayprocProviderCircuitOpen"}
    assert set(domain) == {"outbox-backlog", "provider-circuit-open", "fraud-spike"}
    assert not any("fraud" in rule["alert"].lower() for rule in rules)
