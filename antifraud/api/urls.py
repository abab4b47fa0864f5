from django.urls import path

from .reports import FraudReportView
from .views import AnalyticsSummaryView

urlpatterns = [
    path("analytics/summary", AnalyticsSummaryView.as_view(), name="analytics-summary"),
    path("transaction/<uuid:transaction_id>/fraud_report", FraudReportView.as_view(), name="fraud-report"),
]
