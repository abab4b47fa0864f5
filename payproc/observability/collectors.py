"""Gauges read from the database when Prometheus scrapes. They live in a registry of their own that only
the web process's /metrics exposes, so the worker processes' exposition never touches the database."""

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector, CollectorRegistry


class OutboxCollector(Collector):
    def collect(self) -> Iterator[GaugeMetricFamily]:
        from eventbus.relay import outbox_backlog

        backlog = outbox_backlog()
        yield GaugeMetricFamily(
            "payproc_outbox_unsent_events", "Outbox events not yet published.", value=backlog.unsent
        )
        yield GaugeMetricFamily(
            "payproc_outbox_oldest_unsent_age_seconds",
            "Age of the oldest unpublished outbox event (0 when none).",
            value=backlog.oldest_age_seconds,
        )


class WaitingPaymentsCollector(Collector):
    def collect(self) -> Iterator[GaugeMetricFamily]:
        from django.conf import settings

        from transactions.models import Status
        from transactions.selectors import oldest_age_seconds

        yield GaugeMetricFamily(
            "payproc_oldest_pending_payment_age_seconds",
            "Age of the oldest payment still pending a decision (0 when none is).",
            value=oldest_age_seconds(status=Status.PENDING),
        )
        yield GaugeMetricFamily(
            "payproc_oldest_review_age_seconds",
            "Age of the oldest payment waiting in the analysts' review queue (0 when none is).",
            value=oldest_age_seconds(status=Status.REVIEW),
        )
        yield GaugeMetricFamily(
            "payproc_review_sla_seconds",
            "How long a payment may wait for review (REVIEW_SLA_SECONDS).",
            value=settings.REVIEW_SLA_SECONDS,
        )


class BeatHeartbeatCollector(Collector):
    def collect(self) -> Iterator[GaugeMetricFamily]:
        from .heartbeat import age_seconds

        yield GaugeMetricFamily(
            "payproc_beat_heartbeat_age_seconds",
            "Seconds since Celery beat's heartbeat task last ran (+Inf when never seen).",
            value=age_seconds(),
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


DATABASE_REGISTRY = CollectorRegistry(auto_describe=False)
DATABASE_REGISTRY.register(OutboxCollector())
DATABASE_REGISTRY.register(OpenIncidentsCollector())
DATABASE_REGISTRY.register(WaitingPaymentsCollector())
DATABASE_REGISTRY.register(BeatHeartbeatCollector())
