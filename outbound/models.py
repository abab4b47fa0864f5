"""The columns every outbound message has, whatever its channel: the attempts, the next one, and the lease
that marks it as queued or being sent."""

from django.db import models


class OutboundMessage(models.Model):
    """A message the engine delivers. A concrete model adds its own `status` field (with the values named
    by STATUS_PENDING, STATUS_DELIVERED and STATUS_FAILED), a `created_at` and what its channel records."""

    STATUS_PENDING = "pending"
    STATUS_DELIVERED = "delivered"
    STATUS_FAILED = "failed"

    attempts = models.PositiveIntegerField(default=0, help_text="Attempts started (counted before sending).")
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    # Leased: queued for a sender (sending False) or being sent (True) until lease_until. Only the holder of
    # lease_token may start or record an attempt, so no message is sent twice at once.
    lease_token = models.UUIDField(null=True, blank=True, editable=False)
    lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    sending = models.BooleanField(default=False, editable=False)

    class Meta:
        abstract = True
