"""Sending due webhook deliveries: signed POSTs, retried with exponential backoff and jitter for
WEBHOOK_RETRY_HOURS (3 days), after which the delivery fails and its endpoint is disabled.

A delivery is claimed (its next attempt pushed WEBHOOK_CLAIM_SECONDS ahead, rows locked with SKIP
LOCKED) before it is sent, so two workers never send the same one at once and a worker that dies
mid-send leaves it for the next run. Merchants may still see an event twice (at-least-once): they
deduplicate by its `id`.
"""

import logging
import random
import time
from datetime import timedelta

import requests
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from eventbus.outbox import enqueue_event

from .addresses import check_url
from .errors import WebhookUrlRefused
from .events import ENDPOINT_DISABLED
from .metrics import DELIVERIES
from .models import DeliveryStatus, EndpointStatus, WebhookDelivery, WebhookEndpoint
from .signing import HEADER, signature_header

logger = logging.getLogger(__name__)

_session = requests.Session()


def deliver_due(*, limit: int = 50) -> int:
    """Send every delivery whose time has come (up to `limit`); returns how many were attempted."""
    claimed = _claim(limit)
    for delivery in claimed:
        send(delivery)
    return len(claimed)


def _claim(limit: int) -> list[WebhookDelivery]:
    now = timezone.now()
    with transaction.atomic():
        due = list(
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now, endpoint__status=EndpointStatus.ENABLED)
            .select_related("endpoint", "event")
            .order_by("next_attempt_at")[:limit]
        )
        WebhookDelivery.objects.filter(pk__in=[d.pk for d in due]).update(
            next_attempt_at=now + timedelta(seconds=settings.WEBHOOK_CLAIM_SECONDS)
        )
    return due


def active_secrets(endpoint: WebhookEndpoint) -> list[str]:
    now = timezone.now()
    return [s.secret for s in endpoint.secrets.all() if s.expires_at is None or s.expires_at > now]


def send(delivery: WebhookDelivery, *, manual: bool = False) -> WebhookDelivery:
    """One attempt: POST the event's stored body, signed with every active secret; record the outcome.
    A manual retry (API, admin) that fails leaves the delivery as it was, retries and endpoint alike."""
    endpoint, body = delivery.endpoint, delivery.event.body
    status_code, error = None, ""
    try:
        check_url(endpoint.url)  # again: the host's addresses may have changed since it was saved
        response = _session.post(
            endpoint.url,
            data=body.encode(),
            headers={
                "Content-Type": "application/json",
                "User-Agent": "payproc-webhooks/1",
                "Payproc-Event-Id": delivery.event_id,
                HEADER: signature_header(secrets=active_secrets(endpoint), body=body, timestamp=int(time.time())),
            },
            timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
            allow_redirects=False,  # a redirect could lead anywhere, the private network included
        )
        status_code = response.status_code
        if not 200 <= status_code < 300:
            error = f"HTTP {status_code}"
    except WebhookUrlRefused as exc:
        error = exc.message
    except requests.RequestException as exc:
        error = f"{exc.__class__.__name__}: {exc}"
    return _record(delivery, status_code=status_code, error=error[:300], manual=manual)


def _record(delivery: WebhookDelivery, *, status_code: int | None, error: str, manual: bool) -> WebhookDelivery:
    now = timezone.now()
    delivery.attempts += 1
    delivery.last_attempt_at, delivery.last_status_code, delivery.last_error = now, status_code, error
    if not error:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = DeliveryStatus.SUCCEEDED, now, None
    elif manual:
        pass
    elif now - delivery.created_at >= timedelta(hours=settings.WEBHOOK_RETRY_HOURS):
        delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
    else:
        delivery.next_attempt_at = now + timedelta(seconds=backoff_seconds(delivery.attempts))
    with transaction.atomic():
        delivery.save(
            update_fields=[
                "attempts",
                "last_attempt_at",
                "last_status_code",
                "last_error",
                "status",
                "delivered_at",
                "next_attempt_at",
            ]
        )
        if delivery.status == DeliveryStatus.FAILED and not manual:
            disable_endpoint(delivery.endpoint, reason=f"deliveries failed for {settings.WEBHOOK_RETRY_HOURS} h")
    DELIVERIES.labels(outcome="succeeded" if not error else delivery.status).inc()
    if error:
        logger.info(
            "webhook %s to %s: %s (attempt %d)", delivery.event_id, delivery.endpoint.url, error, delivery.attempts
        )
    return delivery


def backoff_seconds(attempts: int) -> float:
    """Exponential from WEBHOOK_BACKOFF_BASE_SECONDS, capped at WEBHOOK_BACKOFF_MAX_SECONDS, with full
    jitter in its upper half so that a merchant's recovered endpoint is not hit by every retry at once."""
    ceiling = min(settings.WEBHOOK_BACKOFF_MAX_SECONDS, settings.WEBHOOK_BACKOFF_BASE_SECONDS * 2 ** (attempts - 1))
    return random.uniform(ceiling / 2, ceiling)


def disable_endpoint(endpoint: WebhookEndpoint, *, reason: str) -> None:
    """Stop sending to an endpoint and say so on the event bus, where an alert rule hears it."""
    with transaction.atomic():
        updated = WebhookEndpoint.objects.filter(pk=endpoint.pk, status=EndpointStatus.ENABLED).update(
            status=EndpointStatus.DISABLED, disabled_reason=reason, updated_at=timezone.now()
        )
        if not updated:
            return
        endpoint.status, endpoint.disabled_reason = EndpointStatus.DISABLED, reason
        enqueue_event(
            event_type=ENDPOINT_DISABLED,
            key=str(endpoint.merchant_id),
            topic=settings.TOPIC_TRANSACTIONS,
            data={
                "endpoint_id": str(endpoint.id),
                "merchant_id": str(endpoint.merchant_id),
                "url": endpoint.url,
                "reason": reason,
            },
        )
    logger.warning("webhook endpoint %s (%s) disabled: %s", endpoint.id, endpoint.url, reason)
