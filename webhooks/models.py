"""Merchants' webhook endpoints, the events payproc sends them, and each delivery of an event to an endpoint."""

import secrets
import uuid
from typing import ClassVar

from django.db import models
from django.db.models import Q

from outbound.models import OutboundMessage
from payproc.encryption import EncryptedTextField
from transactions.models import Merchant


def new_event_id() -> str:
    return f"evt_{uuid.uuid4().hex}"


def new_secret() -> str:
    return f"whsec_{secrets.token_urlsafe(32)}"


class EndpointStatus(models.TextChoices):
    ENABLED = "enabled"
    DISABLED = "disabled"


class WebhookEndpoint(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField(max_length=2048)
    events = models.JSONField(default=list, help_text='Event types sent here, or ["*"] for all.')
    description = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=8, choices=EndpointStatus.choices, default=EndpointStatus.ENABLED)
    disabled_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering: ClassVar = ["created_at", "id"]
        verbose_name = "webhook endpoint"

    def __str__(self) -> str:
        return f"{self.url} ({self.merchant})"

    def wants(self, event_type: str) -> bool:
        return "*" in self.events or event_type in self.events


class WebhookSecret(models.Model):
    """A signing secret. Kept decryptable (signing needs it), encrypted at rest with FIELD_ENCRYPTION_KEYS;
    a rotated-out secret signs until `expires_at`."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="secrets")
    secret = EncryptedTextField(default=new_secret)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"secret of {self.endpoint_id} from {self.created_at:%Y-%m-%d %H:%M}"


class WebhookEvent(models.Model):
    """One event as merchants receive it. The body is stored as the exact bytes sent, so every delivery
    and every retry of an event id carries the same body."""

    id = models.CharField(primary_key=True, max_length=40, default=new_event_id, editable=False)
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="webhook_events")
    type = models.CharField(max_length=40)
    source_event_id = models.UUIDField(unique=True, help_text="The outbox event it was made from (at most once).")
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.id} {self.type}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending"  # waiting for its next attempt
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # gave up after OUTBOUND_WEBHOOKS_RETRY_WINDOW_SECONDS; the endpoint was disabled


class WebhookDelivery(OutboundMessage):
    """One event to one endpoint, sent by the delivery engine (outbound/) with retries."""

    STATUS_DELIVERED = "succeeded"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # No index of its own: the unique (endpoint, event) constraint leads with it.
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries", db_index=False)
    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=9, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["endpoint", "event"], name="webhook_delivery_once_per_endpoint"),
        ]
        indexes: ClassVar = [
            models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="webhook_delivery_due"),
            # The engine counts the leased deliveries per endpoint on every dispatch.
            models.Index(fields=["endpoint"], condition=Q(lease_token__isnull=False), name="webhook_delivery_leased"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.endpoint.url} ({self.status})"
