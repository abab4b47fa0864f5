"""GET /analytics/summary: the merchant's payments, approval and fraud rates, and top rules."""

from datetime import UTC, datetime, timedelta

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from antifraud.adapters.ports import BUCKETS, Summary, SummaryQuery
from antifraud.selectors import analytics_summary
from payproc.http.fields import ChoiceParam, IsoDateTimeParam
from payproc.http.openapi import errors
from transactions.money import format_minor

MAX_POINTS = 2000  # buckets per answer
# The analytics store's DateTime (ClickHouse, chDB) holds 1970-01-01 to 2106-02-07: a bound outside it
# is a bad request, not an unreachable store.
EARLIEST, LATEST = datetime(1970, 1, 1, tzinfo=UTC), datetime(2106, 2, 7, tzinfo=UTC)


class SummaryParams(serializers.Serializer):
    # "from" is a keyword in Python: the field is declared below under its real name.
    to = IsoDateTimeParam(required=False)
    bucket = ChoiceParam(choices=BUCKETS, required=False, default="hour")

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["from"] = IsoDateTimeParam(required=False)
        return fields

    def validate(self, attrs: dict) -> dict:
        end = attrs.get("to") or timezone.now()
        start = attrs.get("from") or end - timedelta(days=1)
        for name, value in (("from", start), ("to", end)):
            if not EARLIEST <= value < LATEST:
                raise serializers.ValidationError(
                    {
                        name: serializers.ErrorDetail(
                            f"{name} must be from 1970-01-01 to 2106-02-06.", code="out_of_range"
                        )
                    }
                )
        if start >= end:
            raise serializers.ValidationError(
                {"from": serializers.ErrorDetail("from must be before to.", code="invalid_range")}
            )
        step = {"minute": timedelta(minutes=1), "hour": timedelta(hours=1), "day": timedelta(days=1)}[attrs["bucket"]]
        if (end - start) / step > MAX_POINTS:
            raise serializers.ValidationError(
                {
                    "bucket": serializers.ErrorDetail(
                        f"more than {MAX_POINTS} {attrs['bucket']} buckets; choose a larger bucket or a shorter range.",
                        code="too_many_buckets",
                    )
                }
            )
        return {"start": start, "end": end, "bucket": attrs["bucket"]}


def _amounts(by_currency: dict[str, int]) -> list[dict]:
    return [
        {"currency": currency, "amount": format_minor(amount, currency), "amount_minor": amount}
        for currency, amount in sorted(by_currency.items())
    ]


def render(summary: Summary, query: SummaryQuery) -> dict:
    return {
        "from": query.start.isoformat(),
        "to": query.end.isoformat(),
        "bucket": query.bucket,
        "payments": summary.payments,
        "by_status": summary.by_status,
        "volume": _amounts(summary.volume),
        "approval_rate": summary.approval_rate,
        "fraud_rate": summary.fraud_rate,
        "refunds": _amounts(summary.refunds),
        "refund_count": summary.refund_count,
        "refund_rate": summary.refund_rate,
        "decisions": summary.decisions,
        "top_rules": [{"rule": rule, "fired": count} for rule, count in summary.top_rules],
        "labels": summary.labels,
        "shadow_rules": [
            {"rule": rule, "would_fire": sum(outcomes.values()), "by_outcome": outcomes}
            for rule, outcomes in sorted(summary.shadow_rules.items())
        ],
        "series": [{**point, "bucket_start": point["bucket_start"].isoformat()} for point in summary.series],
    }


class AnalyticsSummaryView(APIView):
    @extend_schema(
        operation_id="analytics_summary",
        parameters=[
            OpenApiParameter(
                "from",
                OpenApiTypes.DATETIME,
                description="ISO 8601 start (inclusive), 1970-01-01 to 2106-02-06; default 24 h before `to`.",
            ),
            OpenApiParameter(
                "to",
                OpenApiTypes.DATETIME,
                description="ISO 8601 end (exclusive), 1970-01-01 to 2106-02-06; default now.",
            ),
            OpenApiParameter("bucket", str, enum=list(BUCKETS), description="Series granularity; default hour."),
        ],
        responses={200: dict, **errors(400, 401, 429, 503)},
        summary="Payments, volume, approval, fraud and refund rates, top fired rules",
        tags=["analytics"],
    )
    def get(self, request: Request) -> Response:
        params = SummaryParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        query = SummaryQuery(merchant_id=str(request.user.pk), **params.validated_data)
        return Response(render(analytics_summary(query), query))
