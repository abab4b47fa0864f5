"""Webhooks as a channel of the delivery engine (outbound/): what is webhook-specific is the signed body,
the address rules and disabling an endpoint whose deliveries failed for the whole retry window. Claiming,
deadlines, retries and backoff are the engine's.

Merchants may see an event twice (at-least-once, e.g. a receiver that answered after the deadline): they
deduplicate by its `id`.
"""

import logging
import time

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from eventbus.outbox import enqueue_event
from outbound import http
from outbound.addresses import AddressRefused
from outbound.channels import Attempt

from .addresses import check_url_shape, public_only
from .errors import WebhookUrlRefused
from .events import ENDPOINT_DISABLED
from .models import EndpointStatus, WebhookDelivery, WebhookEndpoint
from .signing import HEADER, signature_header

logger = logging.getLogger(__name__)


def active_secrets(endpoint: WebhookEndpoint) -> list[str]:
    now = timezone.now()
    return [s.secret for s in endpoint.secrets.all() if s.expires_at is None or s.expires_at > now]


class WebhookChannel:
    name = "webhooks"
    model = WebhookDelivery
    target_field = "endpoint_id"

    def due(self, messages: QuerySet) -> QuerySet:
        return messages.filter(endpoint__status=EndpointStatus.ENABLED)

    def load(self, message_id: str) -> WebhookDelivery:
        return WebhookDelivery.objects.select_related("endpoint", "event").get(pk=message_id)

    def attempt(self, delivery: WebhookDelivery, *, deadline_seconds: float) -> Attempt:
        """POST the event's stored body, signed with every active secret."""
        endpoint, body = delivery.endpoint, delivery.event.body
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "payproc-webhooks/1",
            "Payproc-Event-Id": delivery.event_id,
            HEADER: signature_header(secrets=active_secrets(endpoint), body=body, timestamp=int(time.time())),
        }
        try:
            check_url_shape(endpoint.url)  # again: the rules may have tightened since it was saved
            answer = http.post(
                http.Request(
                    url=endpoint.url,
                    body=body.encode(),
                    headers=headers,
                    deadline_seconds=deadline_seconds,
                    public_only=public_only(endpoint.url),
                    max_response_bytes=settings.OUTBOUND_RESPONSE_MAX_BYTES,
                )
            )
        except (WebhookUrlRefused, AddressRefused, http.SendFailed) as exc:
            return Attempt(delivered=False, error=exc.message)
        status_code = answer.status_code
        if 200 <= status_code < 300:
            return Attempt(delivered=True, recorded={"last_status_code": status_code, "delivered_at": timezone.now()})
        return Attempt(delivered=False, error=f"HTTP {status_code}", recorded={"last_status_code": status_code})

    def gave_up(self, delivery: WebhookDelivery, *, reason: str) -> None:
        hours = settings.OUTBOUND_WEBHOOKS_RETRY_WINDOW_SECONDS / 3600
        disable_endpoint(delivery.endpoint, reason=f"deliveries failed for {hours:g} h ({reason})"[:200])


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
