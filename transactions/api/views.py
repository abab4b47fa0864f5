"""Merchant endpoints. Views parse, call one service or selector, and render."""

from typing import Any
from uuid import UUID

from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from payproc.http.openapi import errors
from transactions import captures, refunds
from transactions.idempotency import IdempotentCreate, IdempotentResult, Render, request_fingerprint
from transactions.models import Refund, Transaction
from transactions.selectors import refund_list, transaction_list, transaction_resource
from transactions.services import accept_payment

from . import docs
from .filters import TransactionFilter
from .pagination import NewestFirst
from .serializers import CancelIn, CaptureIn, RefundIn, RefundListOut, RefundOut, TransactionIn, TransactionOut


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
        result = accept_payment(
            merchant=request.user,
            payment=data.to_payment_request(),
            render=_render,
            idempotency_key=request.headers.get("Idempotency-Key") or data.validated_data.get("idempotency_key") or "",
            request=data.validated_data,
        )
        headers = {"Location": _location(result.body["id"])}
        if result.replayed:
            headers["Idempotent-Replayed"] = "true"
        return Response(result.body, status=result.status, headers=headers)


class TransactionDetailView(APIView):
    @extend_schema(
        operation_id="get_transaction",
        responses={200: TransactionOut, **errors(401, 404, 429)},
        examples=[docs.TRANSACTION_EXAMPLE],
        summary="Get a payment",
    )
    def get(self, request: Request, transaction_id: UUID) -> Response:
        resource = transaction_resource(
            merchant=request.user, transaction_id=transaction_id, render=lambda tx: TransactionOut(tx).data
        )
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


def _render_payment(tx: Transaction) -> tuple[int, dict[str, Any]]:
    return 200, TransactionOut(tx).data


def _render_refund(refund: Refund) -> tuple[int, dict[str, Any]]:
    return 201, RefundOut(refund).data


def _idempotency(request: Request, data: Any, render: Render) -> IdempotentCreate | None:
    """The request's Idempotency-Key, if it has one; the path is part of what the key must match."""
    key = request.headers.get("Idempotency-Key") or data.validated_data.get("idempotency_key")
    if not key:
        return None
    payload = {**data.validated_data, "idempotency_key": None, "path": request.path}
    return IdempotentCreate(merchant=request.user, key=key, fingerprint=request_fingerprint(payload), render=render)


def _respond(result: IdempotentResult) -> Response:
    headers = {"Idempotent-Replayed": "true"} if result.replayed else {}
    return Response(result.body, status=result.status, headers=headers)


class TransactionCaptureView(APIView):
    @extend_schema(
        operation_id="capture_transaction",
        request=CaptureIn,
        parameters=[docs.IDEMPOTENCY_KEY],
        responses={200: TransactionOut, **errors(400, 401, 402, 404, 409, 415, 422, 429, 503)},
        examples=[docs.CAPTURE_EXAMPLE, docs.CAPTURED_EXAMPLE, docs.NOT_CAPTURABLE_EXAMPLE],
        summary="Capture an authorized payment",
        description="For `capture_method: manual`: takes all of the authorization, or `amount` of it (the "
        "rest is released); the payment becomes `approved` with `amount_captured`.",
    )
    def post(self, request: Request, transaction_id: UUID) -> Response:
        data = CaptureIn(data=request.data)
        data.is_valid(raise_exception=True)
        return _respond(
            captures.capture_payment(
                merchant=request.user,
                transaction_id=transaction_id,
                amount=data.validated_data.get("amount"),
                idempotency=_idempotency(request, data, _render_payment),
                render=_render_payment,
            )
        )


class TransactionCancelView(APIView):
    @extend_schema(
        operation_id="cancel_transaction",
        request=CancelIn,
        parameters=[docs.IDEMPOTENCY_KEY],
        responses={200: TransactionOut, **errors(400, 401, 402, 404, 409, 415, 422, 429, 503)},
        summary="Cancel an authorized payment",
        description="Releases the authorization of a `manual` capture payment; it becomes `canceled`.",
    )
    def post(self, request: Request, transaction_id: UUID) -> Response:
        data = CancelIn(data=request.data)
        data.is_valid(raise_exception=True)
        return _respond(
            captures.cancel_payment(
                merchant=request.user,
                transaction_id=transaction_id,
                idempotency=_idempotency(request, data, _render_payment),
                render=_render_payment,
            )
        )


class TransactionRefundsView(APIView):
    @extend_schema(
        operation_id="create_refund",
        request=RefundIn,
        parameters=[docs.IDEMPOTENCY_KEY],
        responses={201: RefundOut, **errors(400, 401, 404, 409, 415, 422, 429)},
        examples=[docs.REFUND_EXAMPLE, docs.REFUND_OUT_EXAMPLE, docs.REFUND_TOO_LARGE_EXAMPLE],
        summary="Refund a captured payment",
        description="Partial and repeated refunds are allowed; together they never exceed the captured amount. "
        "A refund the provider has not confirmed yet is `pending` (its amount is held) and is settled in the "
        "background; the payment becomes `refunded` once refunded in full.",
    )
    def post(self, request: Request, transaction_id: UUID) -> Response:
        data = RefundIn(data=request.data)
        data.is_valid(raise_exception=True)
        return _respond(
            refunds.refund_payment(
                merchant=request.user,
                transaction_id=transaction_id,
                amount=data.validated_data.get("amount"),
                reason=data.validated_data.get("reason", ""),
                idempotency=_idempotency(request, data, _render_refund),
                render=_render_refund,
            )
        )

    @extend_schema(
        operation_id="list_refunds",
        responses={200: RefundListOut, **errors(401, 404, 429)},
        summary="List a payment's refunds, oldest first",
    )
    def get(self, request: Request, transaction_id: UUID) -> Response:
        found = refund_list(merchant=request.user, transaction_id=transaction_id)
        return Response({"object": "list", "data": RefundOut(found, many=True).data})
