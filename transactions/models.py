"""Merchants, their API keys, payments, their history and Idempotency-Key records."""

import uuid
from typing import ClassVar

from django.db import models
from django.db.models import F, Q

from .money import format_minor


class Merchant(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class ApiKey(models.Model):
    """A merchant's secret key. Only its SHA-256 is stored; the prefix lets people tell keys apart."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=24, help_text="The visible start of the key, e.g. sk_test_AbCd.")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text="The key stops working at this time (set when it is rotated)."
    )

    class Meta:
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.merchant})"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class Status(models.TextChoices):
    PENDING = "pending"
    REVIEW = "review"
    AUTHORIZED = "authorized"  # manual capture: the provider holds the funds until captured or canceled
    APPROVED = "approved"  # captured: the money moves to the merchant
    DECLINED = "declined"
    FAILED = "failed"
    CANCELED = "canceled"  # an authorization released without capture
    REFUNDED = "refunded"  # the captured amount was refunded in full


class CaptureMethod(models.TextChoices):
    AUTOMATIC = "automatic"  # captured with the authorization
    MANUAL = "manual"  # held as `authorized` until POST /transaction/{id}/capture


class Transaction(models.Model):
    """A card payment. Card data is kept only as BIN, last 4, brand, expiry and an HMAC fingerprint."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # No index of its own: tx_merchant_created and tx_merchant_status_created lead with it.
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="transactions", db_index=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    amount_minor = models.BigIntegerField(help_text="Amount in the currency's ISO 4217 minor units.")
    currency = models.CharField(max_length=3)
    card_brand = models.CharField(max_length=20)
    card_bin = models.CharField(max_length=6)
    card_last4 = models.CharField(max_length=4)
    card_exp_month = models.PositiveSmallIntegerField()
    card_exp_year = models.PositiveSmallIntegerField()
    card_fingerprint = models.CharField(max_length=64)  # indexed below: equality only, no LIKE index
    merchant_reference = models.CharField(max_length=128, blank=True)
    description = models.CharField(max_length=500, blank=True)
    customer_email = models.EmailField(blank=True)
    customer_ip = models.GenericIPAddressField(null=True, blank=True)
    customer_country = models.CharField(max_length=2, blank=True)
    device_id = models.CharField(max_length=128, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    decline_reason = models.CharField(max_length=64, blank=True)
    capture_method = models.CharField(max_length=9, choices=CaptureMethod.choices, default=CaptureMethod.AUTOMATIC)
    amount_captured_minor = models.BigIntegerField(default=0)
    amount_refunded_minor = models.BigIntegerField(default=0, help_text="Refunds that succeeded, in minor units.")
    authorized_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1, help_text="Bumped on every status change.")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]
        permissions: ClassVar = [
            ("review_transaction", "Can approve or decline payments in review"),
            ("note_transaction", "Can add notes to payments"),
        ]
        indexes: ClassVar = [
            models.Index(fields=["merchant", "-created_at"], name="tx_merchant_created"),
            models.Index(fields=["merchant", "status", "-created_at"], name="tx_merchant_status_created"),
            # Velocity and history by card: always `=`, so a plain btree (db_index would add a LIKE one).
            models.Index(fields=["card_fingerprint"], name="tx_card_fingerprint"),
            # The analysts' review queue: payments in review, oldest first, across merchants.
            models.Index(fields=["created_at", "id"], condition=Q(status="review"), name="tx_review_queue"),
            # The recovery sweep and the oldest-pending gauge: a few rows, however large the table.
            models.Index(fields=["created_at"], condition=Q(status="pending"), name="tx_pending_age"),
            # Beat's expiry of uncaptured authorizations.
            models.Index(fields=["authorized_at"], condition=Q(status="authorized"), name="tx_authorized_age"),
        ]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="tx_amount_positive"),
            models.CheckConstraint(condition=Q(status__in=Status.values), name="tx_status_known"),
            # Money can never be refunded beyond what was captured, nor captured beyond the authorization.
            models.CheckConstraint(
                condition=Q(amount_refunded_minor__gte=0)
                & Q(amount_refunded_minor__lte=F("amount_captured_minor"))
                & Q(amount_captured_minor__lte=F("amount_minor")),
                name="tx_refunds_within_capture",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.id} {self.amount} {self.currency} {self.status}"

    @property
    def amount(self) -> str:
        """The amount as a decimal string in major units, e.g. "10.50"."""
        return format_minor(self.amount_minor, self.currency)

    @property
    def amount_captured(self) -> str:
        return format_minor(self.amount_captured_minor, self.currency)

    @property
    def amount_refunded(self) -> str:
        return format_minor(self.amount_refunded_minor, self.currency)

    @property
    def card(self) -> dict[str, str | int]:
        """The card as the API and events show it: the summary kept, never the number."""
        return {
            "brand": self.card_brand,
            "bin": self.card_bin,
            "last4": self.card_last4,
            "exp_month": self.card_exp_month,
            "exp_year": self.card_exp_year,
            "fingerprint": self.card_fingerprint,
        }

    @property
    def customer(self) -> dict[str, str | None]:
        """The customer as the API and events show it."""
        return {"email": self.customer_email, "ip": self.customer_ip, "country": self.customer_country}


class TransactionEvent(models.Model):
    """One row per status change: the payment's full history, who did it and why."""

    transaction = models.ForeignKey(Transaction, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=16, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=Status.choices)
    actor = models.CharField(max_length=150, help_text='Who caused it: "api", "antifraud", "user:<name>"…')
    reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '∅'} → {self.to_status}"


class RefundStatus(models.TextChoices):
    PENDING = "pending"  # reserved and sent to the provider; beat asks again if no answer was recorded
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class Refund(models.Model):
    """Money returned from a captured payment. A pending refund holds its amount, so concurrent refunds
    can never add up to more than the payment's captured amount."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="refunds")
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=9, choices=RefundStatus.choices, default=RefundStatus.PENDING)
    reason = models.CharField(max_length=500, blank=True)
    failure_reason = models.CharField(max_length=64, blank=True)
    provider_reference = models.CharField(max_length=128, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering: ClassVar = ["created_at", "id"]
        indexes: ClassVar = [
            models.Index(fields=["created_at"], condition=Q(status="pending"), name="refund_pending_age"),
        ]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="refund_amount_positive"),
            models.CheckConstraint(condition=Q(status__in=RefundStatus.values), name="refund_status_known"),
        ]

    def __str__(self) -> str:
        return f"refund {self.amount} {self.currency} of {self.transaction_id} ({self.status})"

    @property
    def amount(self) -> str:
        return format_minor(self.amount_minor, self.currency)


class IdempotencyRecord(models.Model):
    """A merchant's Idempotency-Key: claimed while the request runs, then holding its response."""

    # No index of its own: the unique (merchant, key) constraint leads with it.
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, db_index=False)
    key = models.CharField(max_length=255)
    request_fingerprint = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["merchant", "key"], name="idempotency_key_per_merchant"),
        ]
        indexes: ClassVar = [models.Index(fields=["created_at"], name="idempotency_created")]

    def __str__(self) -> str:
        return f"{self.key} ({'completed' if self.is_completed else 'in flight'})"

    @property
    def is_completed(self) -> bool:
        return self.completed_at is not None
