"""Merchant endpoints of the webhooks API. Views parse, call one service or selector, and render."""

from uuid import UUID

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from payproc.http.openapi import errors

from .. import selectors, services
from .serializers import (
    DeliveryListOut,
    DeliveryOut,
    EndpointIn,
    EndpointListOut,
    EndpointOut,
    EndpointWithSecretOut,
    RotateSecretIn,
    listing,
)

CREATE_EXAMPLE = OpenApiExample(
    "Endpoint",
    request_only=True,
    value={"url": "https://shop.example.com/payproc/webhooks", "events": ["payment.approved", "refund.succeeded"]},
)
CREATED_EXAMPLE = OpenApiExample(
    "Created endpoint",
    response_only=True,
    status_codes=["201"],
    value={
        "id": "3c9d0e1f-7a2b-4c5d-8e9f-0a1b2c3d4e5f",
        "object": "webhook_endpoint",
        "url": "https://shop.example.com/payproc/webhooks",
        "events": ["payment.approved", "refund.succeeded"],
        "description": "",
        "status": "enabled",
        "disabled_reason": "",
        "created_at": "2026-12-01T10:00:00Z",
        "secret": "whsec_2fJx…",
    },
)


def _with_secret(secret, status: int) -> Response:
    return Response(EndpointWithSecretOut(secret.endpoint, context={"secret": secret.secret}).data, status=status)


class EndpointsView(APIView):
    @extend_schema(
        operation_id="create_webhook_endpoint",
        request=EndpointIn,
        responses={201: EndpointWithSecretOut, **errors(400, 401, 409, 415, 429)},
        examples=[CREATE_EXAMPLE, CREATED_EXAMPLE],
        summary="Add a webhook endpoint",
        description="Events are POSTed to `url` signed with `Payproc-Signature` (see the README). The "
        "`secret` is in this answer only. A merchant has at most 16 endpoints by default (409 beyond).",
    )
    def post(self, request: Request) -> Response:
        data = EndpointIn(data=request.data)
        data.is_valid(raise_exception=True)
        secret = services.create_endpoint(merchant=request.user, **data.validated_data)
        return _with_secret(secret, 201)

    @extend_schema(
        operation_id="list_webhook_endpoints",
        responses={200: EndpointListOut, **errors(401, 429)},
        summary="List webhook endpoints",
    )
    def get(self, request: Request) -> Response:
        return Response(listing(selectors.endpoint_list(merchant=request.user), EndpointOut))


class EndpointView(APIView):
    @extend_schema(
        operation_id="get_webhook_endpoint", responses={200: EndpointOut, **errors(401, 404, 429)}, summary="Get one"
    )
    def get(self, request: Request, endpoint_id: UUID) -> Response:
        return Response(EndpointOut(selectors.endpoint_get(merchant=request.user, endpoint_id=endpoint_id)).data)

    @extend_schema(
        operation_id="delete_webhook_endpoint",
        responses={204: None, **errors(401, 404, 429)},
        summary="Delete a webhook endpoint (its pending deliveries are dropped)",
    )
    def delete(self, request: Request, endpoint_id: UUID) -> Response:
        endpoint = selectors.endpoint_get(merchant=request.user, endpoint_id=endpoint_id)
        services.delete_endpoint(endpoint=endpoint, actor=services.merchant_actor(request.user))
        return Response(status=204)


class RotateSecretView(APIView):
    @extend_schema(
        operation_id="rotate_webhook_secret",
        request=RotateSecretIn,
        responses={200: EndpointWithSecretOut, **errors(400, 401, 404, 415, 429)},
        summary="Rotate the signing secret",
        description="Returns the new secret. The old one keeps signing beside it for 24 hours, or stops at "
        "once with `expire_now` (a leaked secret).",
    )
    def post(self, request: Request, endpoint_id: UUID) -> Response:
        data = RotateSecretIn(data=request.data)
        data.is_valid(raise_exception=True)
        endpoint = selectors.endpoint_get(merchant=request.user, endpoint_id=endpoint_id)
        secret = services.rotate_secret(
            endpoint=endpoint, actor=services.merchant_actor(request.user), **data.validated_data
        )
        return _with_secret(secret, 200)


class DeliveriesView(APIView):
    @extend_schema(
        operation_id="list_webhook_deliveries",
        responses={200: DeliveryListOut, **errors(401, 404, 429)},
        summary="The endpoint's latest 100 deliveries, newest first",
    )
    def get(self, request: Request, endpoint_id: UUID) -> Response:
        found = selectors.delivery_list(merchant=request.user, endpoint_id=endpoint_id)
        return Response(listing(found, DeliveryOut))


class RetryDeliveryView(APIView):
    @extend_schema(
        operation_id="retry_webhook_delivery",
        request=None,
        responses={202: DeliveryOut, **errors(401, 404, 409, 429)},
        summary="Send a delivery again now",
        description="Queues one more attempt with the same event id and body and answers at once; list the "
        "endpoint's deliveries to see its outcome.",
    )
    def post(self, request: Request, delivery_id: UUID) -> Response:
        delivery = selectors.delivery_get(merchant=request.user, delivery_id=delivery_id)
        actor = services.merchant_actor(request.user)
        return Response(DeliveryOut(services.retry_delivery(delivery=delivery, actor=actor)).data, status=202)
