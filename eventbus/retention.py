"""Deleting published outbox rows once they are old: the outbox is a hand-off to Kafka, not the log.

Kafka keeps the events (its own retention); the outbox keeps a published row for OUTBOX_RETENTION_HOURS
so an operator can still look it up in the admin, then it goes. Without this the table and its
primary-key and event-id indexes grow with every event ever sent. Unsent rows are never deleted,
however old.
"""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from .models import OutboxEvent


def purge_published_events(
    *, older_than: timedelta | None = None, batch_size: int = 5000, max_batches: int = 200
) -> int:
    """Delete published rows created before `older_than` ago (OUTBOX_RETENTION_HOURS by default), in
    batches of `batch_size` (short transactions, no long lock); bounded, so a beat run always
    ends. Returns how many were deleted."""
    retention = older_than if older_than is not None else timedelta(hours=settings.OUTBOX_RETENTION_HOURS)
    cutoff = timezone.now() - retention
    deleted = 0
    for _ in range(max_batches):
        ids = list(
            # Unordered: a scan stops at the first `batch_size` due rows instead of sorting all of them.
            OutboxEvent.objects.filter(created_at__lt=cutoff, published_at__isnull=False)
            .order_by()
            .values_list("id", flat=True)[:batch_size]
        )
        if not ids:
            break
        count, _ = OutboxEvent.objects.filter(pk__in=ids).delete()
        deleted += count
    return deleted
