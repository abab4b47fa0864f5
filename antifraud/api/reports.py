"""POST /transaction/{id}/fraud_report: the merchant labels one of its payments."""

from uuid import UUID

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from antifraud.models import FraudReport, FraudReportReason
from antifraud.services.reports import report_fraud
from payproc.http.fields import StrictCharField
from payproc.http.openapi import errors
from transactions.api.serializers import StrictSerializer, reject_card_data


class FraudReportIn(StrictSerializer):
    reason = serializers.ChoiceField(
        choices=FraudReportReason.choices,
        help_text="fraudulent (a dispute, or known fraud), suspicious, or not_fraud (you vouch for it).",
    )
    note = StrictCharField(required=False, allow_blank=True, max_length=500)

    def validate_note(self, value: str) -> str:
        return reject_card_data(value, "note")


class FraudReportOut(serializers.ModelSerializer):
    object = serializers.SerializerMethodField()
    transaction_id = serializers.UUIDField()
    reason = serializers.ChoiceField(choices=FraudReportReason.choices)

    class Meta:
        model = FraudReport
        fields = ["object", "transaction_id", "reason", "note", "reported_at", "updated_at"]

    def get_object(self, report: FraudReport) -> str:
        return "fraud_report"


class FraudReportView(APIView):
    @extend_schema(
        operation_id="report_fraud",
        request=FraudReportIn,
        responses={200: FraudReportOut, **errors(400, 401, 404, 415, 429)},
        examples=[
            OpenApiExample("Dispute", request_only=True, value={"reason": "fraudulent", "note": "chargeback 10.4"})
        ],
        summary="Report a payment as fraudulent, suspicious or not fraud",
        description="One label per payment: sending the same report again changes nothing; another reason "
        "replaces it (both are kept in the audit log). Analysts see it on the payment page.",
    )
    def post(self, request: Request, transaction_id: UUID) -> Response:
        data = FraudReportIn(data=request.data)
        data.is_valid(raise_exception=True)
        report, _ = report_fraud(merchant=request.user, transaction_id=transaction_id, **data.validated_data)
        return Response(FraudReportOut(report).data)
