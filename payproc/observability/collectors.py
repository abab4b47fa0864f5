"""Gauges read from the database when Prometheus scrapes (the web process registers them)."""

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY, Collector


class OutboxCollector(Collector):
    def collect(self) -> Iterator[GaugeMetricFamily]:
        from transactions.outbox import outbox_backlog

        backlog = outbox_backlog()
        yield GaugeMetricFamily(
            "payproc_outbox_unsent_events", "Outbox events not yet published.", value=backlog.unsent
        )
        yield GaugeMetricFamily(
            "payproc_outbox_oldest_unsent_age_seconds",
            "Age of the oldest unpublished outbox event (0 when none).",
            value=backlog.oldest_age_seconds,
        )


class OpenIncidentsCollector(Collector):
    def collect(self) -> Iterator[GaugeMetricFamily]:
        from django.db.models import Count

        from alerts.models import Incident, IncidentState, Severity

        counts = dict(
            Incident.objects.exclude(state=IncidentState.RESOLVED)
            .values_list("severity")
            .annotate(count=Count("pk"))
            .values_list("severity", "count")
        )
        family = GaugeMetricFamily("payproc_incidents_open", "Open incidents by severity.", labels=["severity"])
        for severity in Severity.values:
            family.add_metric([severity], counts.get(severity, 0))
        yield family


_registered = False


def register_database_collectors() -> None:
    global _registered
    if not _registered:
        REGISTRY.register(OutboxCollector())
        REGISTRY.register(OpenIncidentsCollector())
        _registered = True
