"""Merchants' webhook endpoints: create, delete, rotate or expire the signing secret, enable again, send a
delivery once more. Changes made by a person or a merchant are audited with who made them."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from audit.services import delete_audited, record
from outbound import channels, engine
from transactions.models import Merchant

from .addresses import check_url
from .channel import WebhookChannel
from .errors import DeliveryNotRetryable, EndpointLimitReached, UnknownEventType
from .events import EVENT_TYPES
from .models import DeliveryStatus, EndpointStatus, WebhookDelivery, WebhookEndpoint, WebhookSecret

ROTATION_OVERLAP = timedelta(hours=24)


def merchant_actor(merchant: Merchant) -> str:
    """How the audit log names a change a merchant made through the API."""
    return f"merchant:{merchant.pk}"


def _check_events(events: list[str]) -> list[str]:
    unknown = sorted(set(events) - {*EVENT_TYPES, "*"})
    if unknown or not events:
        raise UnknownEventType(
            f"unknown event type {unknown[0]!r}." if unknown else "events must name at least one type, or *.",
            param="events",
        )
    return sorted(set(events))


def create_endpoint(*, merchant: Merchant, url: str, events: list[str], description: str = "") -> WebhookSecret:
    """A new enabled endpoint and its first signing secret (returned: shown to the merchant once). A merchant
    has at most WEBHOOK_MAX_ENDPOINTS_PER_MERCHANT endpoints: each is a share of the delivery workers."""
    check_url(url)
    with transaction.atomic():
        Merchant.objects.select_for_update().filter(pk=merchant.pk).first()  # counts stay true under races
        limit = settings.WEBHOOK_MAX_ENDPOINTS_PER_MERCHANT
        if WebhookEndpoint.objects.filter(merchant=merchant).count() >= limit:
            raise EndpointLimitReached(f"A merchant may have at most {limit} webhook endpoints: delete one first.")
        endpoint = WebhookEndpoint.objects.create(
            merchant=merchant, url=url, events=_check_events(events), description=description
        )
        record(actor=merchant_actor(merchant), action="webhookendpoint.add", target=endpoint, after={"url": url})
        return WebhookSecret.objects.create(endpoint=endpoint)


def delete_endpoint(*, endpoint: WebhookEndpoint, actor: str) -> None:
    """Delete an endpoint; its pending deliveries go with it. Deleted meanwhile: not found."""
    try:
        delete_audited(endpoint, actor=actor)
    except WebhookEndpoint.DoesNotExist:
        raise Http404 from None


def rotate_secret(*, endpoint: WebhookEndpoint, actor: str, expire_now: bool = False) -> WebhookSecret:
    """A new secret. The current ones keep signing beside it for 24 h, so receivers can switch over, or
    stop at once with `expire_now` (a leaked secret)."""
    now = timezone.now()
    with transaction.atomic():
        WebhookEndpoint.objects.select_for_update().filter(pk=endpoint.pk).first()
        signing = WebhookSecret.objects.filter(endpoint=endpoint, expires_at__isnull=True)
        if expire_now:  # secrets still in their overlap stop too
            signing |= WebhookSecret.objects.filter(endpoint=endpoint, expires_at__gt=now)
        signing.update(expires_at=now if expire_now else now + ROTATION_OVERLAP)
        record(
            actor=actor,
            action="webhookendpoint.expire_secret" if expire_now else "webhookendpoint.rotate_secret",
            target=endpoint,
            note="earlier secrets expired now" if expire_now else "earlier secrets sign for 24 h more",
        )
        return WebhookSecret.objects.create(endpoint=endpoint)


def enable_endpoint(*, endpoint: WebhookEndpoint, actor: str) -> bool:
    """Send again to a disabled endpoint (its pending deliveries go out at once). False if it was enabled."""
    with transaction.atomic():
        enabled = WebhookEndpoint.objects.filter(pk=endpoint.pk, status=EndpointStatus.DISABLED).update(
            status=EndpointStatus.ENABLED, disabled_reason=""
        )
        if not enabled:
            return False
        WebhookDelivery.objects.filter(endpoint=endpoint, status=DeliveryStatus.PENDING).update(
            next_attempt_at=timezone.now()
        )
        record(
            actor=actor,
            action="webhookendpoint.enable",
            target=endpoint,
            before={"status": EndpointStatus.DISABLED, "disabled_reason": endpoint.disabled_reason},
            after={"status": EndpointStatus.ENABLED},
        )
        transaction.on_commit(lambda: engine.dispatch_soon(WebhookChannel.name))
    return True


def retry_delivery(*, delivery: WebhookDelivery, actor: str) -> WebhookDelivery:
    """Queue one more attempt of a delivery now (the same event id and body), whatever its status; the
    answer does not wait for it. A retry that fails changes neither the delivery's schedule nor its endpoint."""
    if delivery.endpoint.status != EndpointStatus.ENABLED:
        raise DeliveryNotRetryable("The endpoint is disabled: enable it first.")
    if not engine.send_now(channels.get(WebhookChannel.name), delivery.pk):
        raise DeliveryNotRetryable("This delivery is being sent right now: look again in a moment.")
    record(actor=actor, action="webhookdelivery.resend", target=delivery, note=f"event {delivery.event_id}")
    try:
        delivery.refresh_from_db()
    except WebhookDelivery.DoesNotExist:  # its endpoint was deleted meanwhile, deliveries with it
        raise Http404 from None
    return delivery
