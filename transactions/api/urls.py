from django.urls import path

from .views import (
    TransactionCancelView,
    TransactionCaptureView,
    TransactionCreateView,
    TransactionDetailView,
    TransactionListView,
    TransactionRefundsView,
)

urlpatterns = [
    path("transaction", TransactionCreateView.as_view(), name="transaction-create"),
    path("transaction/<uuid:transaction_id>", TransactionDetailView.as_view(), name="transaction-detail"),
    path("transaction/<uuid:transaction_id>/capture", TransactionCaptureView.as_view(), name="transaction-capture"),
    path("transaction/<uuid:transaction_id>/cancel", TransactionCancelView.as_view(), name="transaction-cancel"),
    path("transaction/<uuid:transaction_id>/refunds", TransactionRefundsView.as_view(), name="transaction-refunds"),
    path("transactions", TransactionListView.as_view(), name="transaction-list"),
]
