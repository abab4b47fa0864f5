"""Merchant endpoints. Views parse, call one service or selector, and render."""

from typing import Any
from uuid import UUID

from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from payproc.http.openapi import errors
from transactions import cache
from transactions.idempotency import IdempotentCreate, request_fingerprint, run_idempotent
from transactions.models import Transaction
from transactions.selectors import transaction_get, transaction_list
from transactions.services import create_transaction

from . import docs
from .filters import TransactionFilter
from .pagination import NewestFirst
from .serializers import TransactionIn, TransactionOut


def _location(transaction_id: str) -> str:
    return f"/transaction/{transaction_id}"


def _render(tx: Transaction) -> tuple[int, dict[str, Any]]:
    return 202, TransactionOut(tx).data


class TransactionCreateView(APIView):
    @extend_schema(
        operation_id="create_transaction",
        request=TransactionIn,
        parameters=[docs.IDEMPOTENCY_KEY],
        responses={202: TransactionOut, **errors(400, 401, 409, 413, 415, 422, 429)},
        examples=[docs.CREATE_EXAMPLE, docs.TRANSACTION_EXAMPLE, docs.ERROR_EXAMPLE],
        summary="Accept a card payment",
        description="Stores the payment as `pending` and returns 202; scoring and authorization follow.",
    )
    def post(self, request: Request) -> Response:
        data = TransactionIn(data=request.data)
        data.is_valid(raise_exception=True)
        payment = data.to_payment_request()
        merchant = request.user
        key = request.headers.get("Idempotency-Key") or data.validated_data.get("idempotency_key")
        if key:
            result = run_idempotent(
                request=IdempotentCreate(
                    merchant=merchant, key=key, fingerprint=request_fingerprint(data.validated_data), render=_render
                ),
                create=lambda idempotency: create_transaction(
                    merchant=merchant, payment=payment, idempotency=idempotency
                ),
            )
            status, body, replayed = result.status, result.body, result.replayed
        else:
            (status, body), replayed = _render(create_transaction(merchant=merchant, payment=payment)), False
        headers = {"Location": _location(body["id"])}
        if replayed:
            headers["Idempotent-Replayed"] = "true"
        return Response(body, status=status, headers=headers)


class TransactionDetailView(APIView):
    @extend_schema(
        operation_id="get_transaction",
        responses={200: TransactionOut, **errors(401, 404, 429)},
        examples=[docs.TRANSACTION_EXAMPLE],
        summary="Get a payment",
    )
    def get(self, request: Request, transaction_id: UUID) -> Response:
        merchant_id = str(request.user.pk)
        cached = cache.cached_resource(transaction_id)
        if cached is not None and cached.get("merchant_id") == merchant_id:
            return Response(cached["resource"])
        tx = transaction_get(merchant=request.user, transaction_id=transaction_id)
        resource = TransactionOut(tx).data
        cache.store_resource(transaction_id, {"merchant_id": merchant_id, "resource": resource})
        return Response(resource)


class TransactionListView(generics.ListAPIView):
    serializer_class = TransactionOut
    pagination_class = NewestFirst
    filterset_class = TransactionFilter

    def get_queryset(self):
        return transaction_list(merchant=self.request.user)

    @extend_schema(
        operation_id="list_transactions",
        responses={200: TransactionOut(many=True), **errors(400, 401, 429)},
        summary="List payments, newest first",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)
