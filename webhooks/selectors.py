"""Reads of webhook endpoints and deliveries, scoped to one merchant (anyone else's is a 404)."""

from uuid import UUID

from django.http import Http404

from transactions.models import Merchant

from .models import WebhookDelivery, WebhookEndpoint

DELIVERY_PAGE = 100


def endpoint_get(*, merchant: Merchant, endpoint_id: UUID) -> WebhookEndpoint:
    try:
        return WebhookEndpoint.objects.get(pk=endpoint_id, merchant=merchant)
    except WebhookEndpoint.DoesNotExist:
        raise Http404 from None


def endpoint_list(*, merchant: Merchant) -> list[WebhookEndpoint]:
    return list(WebhookEndpoint.objects.filter(merchant=merchant))


def delivery_list(*, merchant: Merchant, endpoint_id: UUID) -> list[WebhookDelivery]:
    """The endpoint's latest deliveries, newest first."""
    endpoint = endpoint_get(merchant=merchant, endpoint_id=endpoint_id)
    return list(endpoint.deliveries.select_related("event")[:DELIVERY_PAGE])


def delivery_get(*, merchant: Merchant, delivery_id: UUID) -> WebhookDelivery:
    try:
        return WebhookDelivery.objects.select_related("endpoint", "event").get(
            pk=delivery_id, endpoint__merchant=merchant
        )
    except WebhookDelivery.DoesNotExist:
        raise Http404 from None
