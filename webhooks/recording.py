"""Recording webhook events and their deliveries from payment events, in one transaction per batch.

The event body is rendered once, from the payment (or refund) as the API returns it when the event
is recorded, and stored as the bytes every delivery sends. Deliveries are rows: nothing is sent here,
so a slow or dead merchant endpoint never holds up the payment pipeline.
"""

import json
import uuid
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from outbound.engine import dispatch_soon
from transactions.api.serializers import RefundOut, TransactionOut
from transactions.models import Refund, Transaction

from .events import REFUND_TYPES, webhook_type
from .models import EndpointStatus, WebhookDelivery, WebhookEndpoint, WebhookEvent


def record_events(envelopes: list[dict[str, Any]]) -> None:
    """Webhook events and deliveries for the envelopes some enabled endpoint wants (a redelivered
    envelope adds nothing)."""
    typed = [(envelope, kind) for envelope in envelopes if (kind := webhook_type(envelope))]
    merchants = {envelope["data"]["merchant_id"] for envelope, _ in typed}
    endpoints: dict[str, list[WebhookEndpoint]] = {}
    for endpoint in WebhookEndpoint.objects.filter(merchant_id__in=merchants, status=EndpointStatus.ENABLED):
        endpoints.setdefault(str(endpoint.merchant_id), []).append(endpoint)
    wanted = [
        (envelope, kind, targets)
        for envelope, kind in typed
        if (targets := [e for e in endpoints.get(envelope["data"]["merchant_id"], []) if e.wants(kind)])
    ]
    if not wanted:
        return
    resources = _resources([envelope for envelope, _, _ in wanted])
    with transaction.atomic():
        WebhookEvent.objects.bulk_create(
            [
                _event(envelope, kind, resources[_resource_key(envelope)])
                for envelope, kind, _ in wanted
                if _resource_key(envelope) in resources
            ],
            ignore_conflicts=True,  # recorded by an earlier delivery of the same envelope: keep its body
        )
        stored = WebhookEvent.objects.in_bulk(
            [envelope["event_id"] for envelope, _, _ in wanted], field_name="source_event_id"
        )
        now = timezone.now()
        deliveries = [
            WebhookDelivery(endpoint=endpoint, event=event, next_attempt_at=now)
            for envelope, _, targets in wanted
            if (event := stored.get(uuid.UUID(envelope["event_id"]))) is not None
            for endpoint in targets
        ]
        WebhookDelivery.objects.bulk_create(deliveries, ignore_conflicts=True)
        transaction.on_commit(lambda: dispatch_soon("webhooks"))


def _resource_key(envelope: dict[str, Any]) -> tuple[str, str]:
    data = envelope["data"]
    return ("refund", data["refund_id"]) if envelope["type"] in REFUND_TYPES else ("payment", data["transaction_id"])


def _resources(envelopes: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    """Each payment and refund the envelopes name, as the API shows it, in two queries."""
    keys = {_resource_key(envelope) for envelope in envelopes}
    payment_ids = [key for kind, key in keys if kind == "payment"]
    refund_ids = [key for kind, key in keys if kind == "refund"]
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for tx in Transaction.objects.filter(pk__in=payment_ids).select_related("fraud_decision"):
        found[("payment", str(tx.id))] = TransactionOut(tx).data
    for refund in Refund.objects.filter(pk__in=refund_ids):
        found[("refund", str(refund.id))] = RefundOut(refund).data
    return found


def _event(envelope: dict[str, Any], kind: str, resource: dict[str, Any]) -> WebhookEvent:
    event = WebhookEvent(merchant_id=envelope["data"]["merchant_id"], type=kind, source_event_id=envelope["event_id"])
    created = int(datetime.fromisoformat(envelope["occurred_at"]).timestamp())
    event.body = json.dumps(
        {"id": event.id, "type": kind, "created": created, "data": {"object": resource}}, separators=(",", ":")
    )
    return event
