"""The outbox of events, and the record of which handler applied which event."""

import uuid
from typing import ClassVar

from django.db import models
from django.db.models import Q


class OutboxEvent(models.Model):
    """An event written in the same database transaction as the change it describes; a relay publishes it."""

    event_id = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    topic = models.CharField(max_length=200)
    key = models.CharField(max_length=200, help_text="Partition key: events with one key stay in order.")
    event_type = models.CharField(max_length=100)
    envelope = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "transactions_outboxevent"  # created by the payments app, before the event bus had its own
        ordering: ClassVar = ["id"]
        indexes: ClassVar = [
            models.Index(fields=["id"], condition=Q(published_at__isnull=True), name="outbox_unpublished"),
            models.Index(fields=["key", "id"], condition=Q(published_at__isnull=True), name="outbox_unpublished_key"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.key}"


class ProcessedEvent(models.Model):
    """Proof that a handler applied an event: redeliveries of it become no-ops."""

    event_id = models.UUIDField()
    handler = models.CharField(max_length=100)
    processed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "transactions_processedevent"
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["event_id", "handler"], name="processed_event_once_per_handler"),
        ]

    def __str__(self) -> str:
        return f"{self.handler}: {self.event_id}"
