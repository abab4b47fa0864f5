"""Grafana dashboards and Prometheus alert rules may only query metrics payproc really exports."""

import json
import re
from pathlib import Path

import pytest
import yaml
from prometheus_client import REGISTRY

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db  # the outbox and incident gauges are read from the database
DASHBOARDS = sorted((ROOT / "config" / "grafana" / "dashboards").glob("*.json"))
PROMQL_WORDS = {
    "sum",
    "max",
    "min",
    "avg",
    "count",
    "rate",
    "irate",
    "increase",
    "histogram_quantile",
    "clamp_min",
    "topk",
    "by",
    "without",
    "on",
    "ignoring",
    "and",
    "or",
    "unless",
    "bool",
    "offset",
    "le",
}
PROMETHEUS_OWN = {"up"}  # series Prometheus writes itself for every target
SUFFIXES = {
    "counter": ("_total",),
    "gauge": ("",),
    "histogram": ("_bucket", "_count", "_sum"),
    "summary": ("_count", "_sum"),
    "info": ("_info",),
}


def exported_series() -> set[str]:
    """Sample names of every metric family the web and worker processes register (labelled or not)."""
    import django_prometheus.cache.metrics
    import django_prometheus.db.metrics  # noqa: F401 - registered by the database backend
    from django_prometheus.middleware import Metrics

    import alerts.metrics  # noqa: F401
    import antifraud.metrics  # noqa: F401
    import eventbus.metrics  # noqa: F401
    import transactions.metrics  # noqa: F401
    from payproc.observability.collectors import DATABASE_REGISTRY

    Metrics.get_instance()
    names: set[str] = set()
    for registry in (REGISTRY, DATABASE_REGISTRY):
        for family in registry.collect():
            names |= {family.name + suffix for suffix in SUFFIXES[family.type]}
            names |= {sample.name for sample in family.samples}
    return names


def metric_names(expr: str) -> set[str]:
    """Metric names in a PromQL expression: identifiers outside label matchers and grouping clauses."""
    expr = re.sub(r"\{[^}]*\}", "", expr)
    expr = re.sub(r"\b(by|without|on|ignoring)\s*\([^)]*\)", "", expr)
    expr = re.sub(r"\[[^\]]*\]", "", expr)
    return {word for word in re.findall(r"\b[a-zA-Z_:][a-zA-Z0-9_:]*\b(?!\s*\()", expr) if word not in PROMQL_WORDS}


def dashboard_queries(path: Path) -> list[str]:
    return [target["expr"] for panel in json.loads(path.read_text())["panels"] for target in panel["targets"]]


def test_there_are_the_four_dashboards():
    titles = {json.loads(path.read_text())["title"] for path in DASHBOARDS}
    assert titles == {"Payment Gateway Overview", "Transaction Analytics", "Fraud Detection", "Infrastructure Health"}


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda path: path.stem)
def test_every_panel_queries_exported_metrics(path):
    exported = exported_series()
    queries = dashboard_queries(path)
    assert len(queries) >= 6
    for expr in queries:
        names = metric_names(expr)
        assert names, expr
        assert names <= exported, f"{path.name}: {sorted(names - exported)} in {expr}"


def test_alert_rules_use_exported_metrics_and_cover_the_operator_cases():
    exported = exported_series()
    rules = yaml.safe_load((ROOT / "config" / "prometheus_rules.yml").read_text())["groups"][0]["rules"]
    for rule in rules:
        assert metric_names(rule["expr"]) <= exported | PROMETHEUS_OWN, rule["alert"]
        assert rule["labels"]["severity"] in {"warning", "critical"}
    assert {rule["alert"] for rule in rules} == {
        "PayprocHighErrorRate",
        "PayprocHighLatencyP95",
        "PayprocOutboxBacklog",
        "PayprocPaymentsStuckPending",
        "PayprocCeleryBacklog",
        "PayprocReviewQueueOverSla",
        "PayprocBeatDown",
        "PayprocDeadLetters",
        "PayprocTargetDown",
        "PayprocConsumerLag",
        "PayprocProviderCircuitOpen",
        "PayprocScoringModelDrift",
        "PayprocAdminLoginFailures",
        "PayprocAdminDistributedLoginAttack",
    }


def test_the_name_extraction_sees_through_promql():
    expr = 'histogram_quantile(0.95, sum by (le, view) (rate(a_bucket{view!="x"}[5m]))) / clamp_min(b_total, 1)'
    assert metric_names(expr) == {"a_bucket", "b_total"}
