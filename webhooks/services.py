"""Merchants' webhook endpoints: create, delete, rotate the signing secret, retry a delivery."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from transactions.models import Merchant

from .addresses import check_url
from .errors import DeliveryNotRetryable, UnknownEventType
from .events import EVENT_TYPES
from .models import DeliveryStatus, EndpointStatus, WebhookDelivery, WebhookEndpoint, WebhookSecret
from .sending import send

ROTATION_OVERLAP = timedelta(hours=24)


def _check_events(events: list[str]) -> list[str]:
    unknown = sorted(set(events) - {*EVENT_TYPES, "*"})
    if unknown or not events:
        raise UnknownEventType(
            f"unknown event type {unknown[0]!r}." if unknown else "events must name at least one type, or *.",
            param="events",
        )
    return sorted(set(events))


def create_endpoint(*, merchant: Merchant, url: str, events: list[str], description: str = "") -> WebhookSecret:
    """A new enabled endpoint and its first signing secret (returned: shown to the merchant once)."""
    check_url(url)
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.create(
            merchant=merchant, url=url, events=_check_events(events), description=description
        )
        return WebhookSecret.objects.create(endpoint=endpoint)


def rotate_secret(endpoint: WebhookEndpoint) -> WebhookSecret:
    """A new secret; the current ones keep signing beside it for 24 h, so receivers can switch over."""
    with transaction.atomic():
        WebhookEndpoint.objects.select_for_update().filter(pk=endpoint.pk).first()
        WebhookSecret.objects.filter(endpoint=endpoint, expires_at__isnull=True).update(
            expires_at=timezone.now() + ROTATION_OVERLAP
        )
        return WebhookSecret.objects.create(endpoint=endpoint)


def enable_endpoint(endpoint: WebhookEndpoint) -> None:
    """Send again to a disabled endpoint (its pending deliveries go out at once)."""
    with transaction.atomic():
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(status=EndpointStatus.ENABLED, disabled_reason="")
        WebhookDelivery.objects.filter(endpoint=endpoint, status=DeliveryStatus.PENDING).update(
            next_attempt_at=timezone.now()
        )


def retry_delivery(delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery once more now (the same event id and body), whatever its status."""
    if delivery.endpoint.status != EndpointStatus.ENABLED:
        raise DeliveryNotRetryable("The endpoint is disabled: enable it first.")
    return send(delivery, manual=True)
