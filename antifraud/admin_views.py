"""The analytics page of the admin: charts over the analytics store (ClickHouse or the main database)."""

from datetime import timedelta

from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone

from transactions.models import Merchant

from .adapters import get_analytics
from .adapters.ports import SummaryQuery
from .api.views import render
from .selectors import review_queue

RANGES = {"24h": (timedelta(days=1), "hour"), "7d": (timedelta(days=7), "day"), "1h": (timedelta(hours=1), "minute")}
AGE_BUCKETS = (
    (timedelta(hours=1), "< 1 h"),
    (timedelta(hours=4), "1–4 h"),
    (timedelta(days=1), "4–24 h"),
    (None, "> 1 day"),
)


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def review_queue_age() -> list[dict[str, object]]:
    now, counts = timezone.now(), {label: 0 for _, label in AGE_BUCKETS}
    for created_at in review_queue().values_list("created_at", flat=True):
        age = now - created_at
        label = next(label for limit, label in AGE_BUCKETS if limit is None or age < limit)
        counts[label] += 1
    return [{"label": label, "count": count} for label, count in counts.items()]


@staff_member_required
def analytics_page(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("transactions.view_transaction"):
        raise PermissionDenied
    window = request.GET.get("range", "24h")
    span, bucket = RANGES.get(window, RANGES["24h"])
    merchant_id = request.GET.get("merchant") or None
    end = timezone.now()
    query = SummaryQuery(merchant_id=merchant_id, start=end - span, end=end, bucket=bucket)
    data = render(get_analytics().summary(query), query) | {"queue_age": review_queue_age()}
    return TemplateResponse(
        request,
        "admin/antifraud/analytics.html",
        {
            "title": "Analytics",
            "data": data,
            "approval_rate": percent(data["approval_rate"]),
            "fraud_rate": percent(data["fraud_rate"]),
            "refund_rate": percent(data["refund_rate"]),
            "range": window,
            "ranges": list(RANGES),
            "merchants": Merchant.objects.order_by("name"),
            "merchant_id": merchant_id or "",
            "site_header": "payproc back-office",
            "has_permission": True,
        },
    )
