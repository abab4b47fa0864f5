from django.urls import path

from .views import TransactionCreateView, TransactionDetailView, TransactionListView

urlpatterns = [
    path("transaction", TransactionCreateView.as_view(), name="transaction-create"),
    path("transaction/<uuid:transaction_id>", TransactionDetailView.as_view(), name="transaction-detail"),
    path("transactions", TransactionListView.as_view(), name="transaction-list"),
]
