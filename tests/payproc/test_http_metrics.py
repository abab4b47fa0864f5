"""HTTP series of the web process: the ones the dashboards and alert rules read, counted once per request."""

from django.test import Client
from prometheus_client import REGISTRY

from tests.conftest import payment


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_a_request_counts_once_by_view_by_status_and_in_the_latency_histogram(api):
    view = {"view": "transaction-create", "method": "POST"}
    before = (
        sample("django_http_requests_total_by_view_transport_method_total", transport="http", **view),
        sample("django_http_responses_total_by_status_view_method_total", status="202", **view),
        sample("django_http_requests_latency_seconds_by_view_method_count", **view),
    )

    assert api.post("/transaction", payment(), format="json").status_code == 202
    assert api.post("/transaction", payment(amount="-1"), format="json").status_code in (400, 422)

    after = (
        sample("django_http_requests_total_by_view_transport_method_total", transport="http", **view),
        sample("django_http_responses_total_by_status_view_method_total", status="202", **view),
        sample("django_http_requests_latency_seconds_by_view_method_count", **view),
    )
    assert [a - b for a, b in zip(after, before, strict=True)] == [2, 1, 2]


def test_an_exception_in_a_django_view_is_counted_by_type(db, monkeypatch):
    from payproc.observability import views

    def explode() -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(views, "metrics_registry", explode)
    before = sample("django_http_exceptions_total_by_type_total", type="RuntimeError")

    response = Client(REMOTE_ADDR="10.1.2.3", raise_request_exception=False).get("/metrics")

    assert response.status_code == 500
    assert sample("django_http_exceptions_total_by_type_total", type="RuntimeError") == before + 1
