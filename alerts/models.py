"""Alert rules, escalation policies, silences, incidents and the notifications they send."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from outbound.models import OutboundMessage


class Severity(models.TextChoices):
    INFO = "info", "info"
    WARNING = "warning", "warning"
    CRITICAL = "critical", "critical"


class EscalationPolicy(models.Model):
    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)

    class Meta:
        verbose_name_plural = "escalation policies"

    def __str__(self) -> str:
        return self.name


class EscalationLevel(models.Model):
    """Who hears about an incident, and how long after the previous level (the first: at once)."""

    # No index of its own: the unique (policy, position) constraint leads with it.
    policy = models.ForeignKey(EscalationPolicy, on_delete=models.CASCADE, related_name="levels", db_index=False)
    position = models.PositiveSmallIntegerField()
    delay_seconds = models.PositiveIntegerField(default=0, help_text="Wait after the previous level was notified.")
    targets = models.JSONField(default=list, help_text='Telegram chat ids, e.g. ["-1001234", "42"].')

    class Meta:
        ordering = ["policy", "position"]
        constraints = [models.UniqueConstraint(fields=["policy", "position"], name="alerts_level_unique_position")]

    def __str__(self) -> str:
        return f"{self.policy} level {self.position + 1}"


class AlertRule(models.Model):
    """Matches events by type and field conditions, optionally over a windowed count (kept in Redis)."""

    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    event_type = models.CharField(max_length=100, db_index=True)
    conditions = models.JSONField(
        default=list, blank=True, help_text='All must hold, e.g. [{"field": "data.score", "op": "gte", "value": 90}].'
    )
    threshold = models.PositiveIntegerField(
        null=True, blank=True, help_text="Fire only when more than this many matches fall in the window."
    )
    window_seconds = models.PositiveIntegerField(null=True, blank=True)
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.WARNING)
    group_by = models.CharField(
        max_length=200, blank=True, help_text="Grouping key template, e.g. 'merchant={data.merchant_id}'."
    )
    condition = models.CharField(
        max_length=100,
        blank=True,
        help_text="The outage this rule reports, when another rule (or a Prometheus alert's `condition` label) "
        "reports it too: matches of every rule with the same condition and grouping key make one incident. "
        "Empty: the rule's own name.",
    )
    summary = models.CharField(max_length=300, help_text="Message template, e.g. 'Fraud spike at {data.merchant_id}'.")
    repeat_interval_seconds = models.PositiveIntegerField(default=3600)
    resolve_after_seconds = models.PositiveIntegerField(
        null=True, blank=True, help_text="Resolve by itself after this long without a match (empty: never)."
    )
    escalation_policy = models.ForeignKey(EscalationPolicy, null=True, blank=True, on_delete=models.PROTECT)
    enabled = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.name


class Silence(models.Model):
    """Mutes notifications of matching incidents for a period; the incidents are still recorded."""

    rule = models.ForeignKey(AlertRule, null=True, blank=True, on_delete=models.CASCADE, help_text="Empty: every rule.")
    group_key = models.CharField(max_length=300, blank=True, help_text="Empty: every grouping key.")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=300)
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-ends_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="alerts_silence_period")
        ]

    def __str__(self) -> str:
        return f"{self.rule or 'all rules'} / {self.group_key or 'all'} until {self.ends_at:%Y-%m-%d %H:%M}"


class IncidentState(models.TextChoices):
    FIRING = "firing", "firing"
    ACKNOWLEDGED = "acknowledged", "acknowledged"
    RESOLVED = "resolved", "resolved"


class Incident(models.Model):
    """One open problem per fingerprint (the condition and grouping key): repeated matches, from its rule or
    another reporting the same condition, raise `match_count`, not new messages."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    rule = models.ForeignKey(AlertRule, on_delete=models.PROTECT, related_name="incidents")
    group_key = models.CharField(max_length=300, blank=True)
    fingerprint = models.CharField(
        max_length=400, help_text="The rule's condition and the grouping key: one open incident per outage."
    )
    state = models.CharField(max_length=15, choices=IncidentState.choices, default=IncidentState.FIRING)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    summary = models.CharField(max_length=500)
    details = models.JSONField(default=dict, blank=True)  # merchant, a few payments concerned, labels
    match_count = models.PositiveIntegerField(default=1)
    opened_at = models.DateTimeField()
    last_match_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.CharField(max_length=150, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.CharField(max_length=150, blank=True)
    escalation_level = models.SmallIntegerField(default=-1, help_text="Index of the last level notified.")
    escalation_chain = models.JSONField(
        default=list,
        blank=True,
        help_text="The policy's levels when the incident opened ([{delay_seconds, targets}]): editing the policy "
        "later does not skip or repeat a step of this incident.",
    )
    next_escalation_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["fingerprint"],
                condition=~Q(state="resolved"),
                name="alerts_one_open_incident_per_outage",
            )
        ]
        indexes = [models.Index(fields=["state", "last_match_at"])]

    def __str__(self) -> str:
        return f"[{self.severity}] {self.summary}"

    @property
    def is_open(self) -> bool:
        return self.state != IncidentState.RESOLVED


class NotificationStatus(models.TextChoices):
    PENDING = "pending", "pending"
    SENT = "sent", "sent"
    FAILED = "failed", "failed"  # refused for good by Telegram (e.g. unknown chat), or its retry window passed


class Notification(OutboundMessage):
    """A message to one chat, written with the incident change that caused it and delivered with retries
    by the delivery engine (outbound/).

    `kind` "message" sends a new message with the Acknowledge/Resolve buttons; "update" edits the
    message sent earlier (`reply_to`) to show the new state.
    """

    STATUS_DELIVERED = "sent"

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="notifications")
    chat_id = models.CharField(max_length=64)
    kind = models.CharField(max_length=10, default="message")
    text = models.TextField()
    with_buttons = models.BooleanField(default=True)
    reply_to = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE)
    status = models.CharField(max_length=10, choices=NotificationStatus.choices, default=NotificationStatus.PENDING)
    message_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            # The engine counts the leased notifications per chat on every dispatch.
            models.Index(fields=["chat_id"], condition=Q(lease_token__isnull=False), name="alerts_notification_leased"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.chat_id or 'console'} ({self.status})"


class TelegramAccount(models.Model):
    """Maps a Telegram user to the Django user whose button presses act on incidents."""

    telegram_user_id = models.BigIntegerField(unique=True)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="telegram")
    note = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.telegram_user_id} → {self.user}"
