"""Fraud rules, block/allow lists, thresholds and the decision recorded for every payment."""

from typing import ClassVar

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from transactions.models import Merchant, Transaction

from .rule_parameters import RuleAction, RuleMode, RuleType, validate_parameters


class FraudRule(models.Model):
    """A rule of the live rule set; every change to the set publishes a new RuleSetVersion."""

    name = models.CharField(max_length=100, unique=True)
    rule_type = models.CharField(max_length=40, choices=RuleType.choices)
    parameters = models.JSONField(
        default=dict, blank=True, help_text="Depends on the type; see config/antifraud_rules.yaml."
    )
    score = models.PositiveSmallIntegerField(
        validators=[MaxValueValidator(100)], help_text="Added to the payment's score when the rule fires (0-100)."
    )
    enabled = models.BooleanField(default=True)
    mode = models.CharField(
        max_length=6,
        choices=RuleMode.choices,
        default=RuleMode.LIVE,
        help_text="Shadow rules run on every payment and are recorded, but add nothing to the score.",
    )
    action = models.CharField(
        max_length=7,
        choices=RuleAction.choices,
        default=RuleAction.SCORE,
        help_text="Always review / always decline act whatever the score, with or without a live model "
        "(only the block and allow lists come first).",
    )
    merchant = models.ForeignKey(
        Merchant, null=True, blank=True, on_delete=models.CASCADE, help_text="Empty: applies to every merchant."
    )
    description = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering: ClassVar = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        validate_parameters(self.rule_type, self.parameters)


class RuleSetVersion(models.Model):
    """One published state of the whole rule set (rules and thresholds), numbered 1, 2, 3 …

    The document has the format of config/antifraud_rules.yaml, so any version can be exported,
    backtested or proposed again (a rollback is a proposal of an older version)."""

    number = models.PositiveIntegerField(unique=True)
    document = models.JSONField()
    summary = models.CharField(max_length=500, blank=True)
    published_by = models.CharField(max_length=150)
    approved_by = models.CharField(max_length=150, blank=True, help_text="Empty: published without approval.")
    published_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["-number"]

    def __str__(self) -> str:
        return f"version {self.number}"


class ProposalStatus(models.TextChoices):
    PROPOSED = "proposed"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class RuleProposal(models.Model):
    """Maker-checker: a Risk admin proposes a whole rule set document; another approves it to go live."""

    status = models.CharField(max_length=9, choices=ProposalStatus.choices, default=ProposalStatus.PROPOSED)
    document = models.JSONField()
    reason = models.CharField(max_length=500)
    proposed_by = models.CharField(max_length=150)
    proposed_at = models.DateTimeField(auto_now_add=True)
    based_on_version = models.PositiveIntegerField(null=True, blank=True)
    decided_by = models.CharField(max_length=150, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=500, blank=True)
    published_version = models.OneToOneField(
        RuleSetVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="proposal"
    )

    class Meta:
        ordering: ClassVar = ["-proposed_at", "-id"]
        permissions: ClassVar = [("approve_ruleproposal", "Can approve or reject rule proposals")]

    def __str__(self) -> str:
        return f"proposal #{self.pk} ({self.status})"


class ListType(models.TextChoices):
    BLOCK = "block"
    ALLOW = "allow"


class ListKind(models.TextChoices):
    CARD_FINGERPRINT = "card_fingerprint"
    BIN = "bin"
    IP = "ip", "IP address or CIDR"
    EMAIL = "email"
    EMAIL_DOMAIN = "email_domain"
    COUNTRY = "country"
    DEVICE = "device"


class ListEntry(models.Model):
    list_type = models.CharField(max_length=5, choices=ListType.choices)
    kind = models.CharField(max_length=20, choices=ListKind.choices)
    value = models.CharField(max_length=255, help_text="Stored normalised: lower-case e-mail, upper-case country.")
    reason = models.CharField(max_length=300, blank=True)
    created_by = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "list entries"
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["list_type", "kind", "value"], name="list_entry_unique"),
        ]
        indexes: ClassVar = [
            models.Index(fields=["kind", "value"], name="list_entry_lookup"),
            # Every scoring batch reads all listed networks: only those, not every listed IP address.
            models.Index(fields=["value"], condition=Q(kind="ip", value__contains="/"), name="list_entry_networks"),
        ]

    def __str__(self) -> str:
        return f"{self.list_type} {self.kind} {self.value}"


class RiskThresholds(models.Model):
    """Scores at which a payment goes to review or is declined; one global row, optional per merchant."""

    merchant = models.OneToOneField(
        Merchant, null=True, blank=True, on_delete=models.CASCADE, help_text="Empty: the global thresholds."
    )
    review_at = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(100)])
    decline_at = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(100)])

    class Meta:
        verbose_name_plural = "risk thresholds"
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(review_at__lte=models.F("decline_at")), name="review_not_above_decline"),
            models.UniqueConstraint(
                fields=["merchant"], condition=Q(merchant__isnull=True), name="one_global_threshold"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.merchant or 'global'}: review ≥ {self.review_at}, decline ≥ {self.decline_at}"


class Outcome(models.TextChoices):
    APPROVE = "approve"
    REVIEW = "review"
    DECLINE = "decline"


class FraudDecision(models.Model):
    transaction = models.OneToOneField(Transaction, on_delete=models.CASCADE, related_name="fraud_decision")
    score = models.PositiveSmallIntegerField()
    outcome = models.CharField(max_length=8, choices=Outcome.choices)
    fired_rules = models.JSONField(default=list, help_text="[{rule, type, score, observed}] for every rule that fired.")
    shadow_rules = models.JSONField(
        default=list, blank=True, help_text="Shadow rules that would have fired, same shape; not in the score."
    )
    rules_version = models.PositiveIntegerField(
        null=True, blank=True, help_text="The rule set version it ran under (empty: decided before versions)."
    )
    review_at = models.PositiveSmallIntegerField()
    decline_at = models.PositiveSmallIntegerField()
    decided_at = models.DateTimeField(auto_now_add=True)
    features = models.JSONField(
        default=dict,
        blank=True,
        help_text="The model's inputs as scoring computed them (antifraud/features.py); absent values left out.",
    )
    model_version = models.PositiveIntegerField(null=True, blank=True, help_text="The live model that scored it.")
    shadow_model_version = models.PositiveIntegerField(null=True, blank=True)
    shadow_score = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="The shadow model's risk score (0-100): stored, not used."
    )
    explanation = models.JSONField(
        default=list, blank=True, help_text="Top factors of the score: [{factor, text, share}], largest first."
    )

    def __str__(self) -> str:
        return f"{self.outcome} ({self.score})"


class AnalystReview(models.Model):
    """An analyst's decision on a payment in review."""

    transaction = models.OneToOneField(Transaction, on_delete=models.CASCADE, related_name="analyst_review")
    analyst = models.CharField(max_length=150)
    outcome = models.CharField(max_length=8, choices=[(Outcome.APPROVE, "approve"), (Outcome.DECLINE, "decline")])
    reason = models.CharField(max_length=500)
    decided_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.outcome} by {self.analyst}"


class ReviewQueueItem(Transaction):
    """The analysts' view of payments: the admin's review queue works on this proxy."""

    class Meta:
        proxy = True
        verbose_name = "payment in review"
        verbose_name_plural = "review queue"


class CardBin(models.Model):
    """What the card network says about a BIN: the issuer's country (for bin_country_mismatch) and kin.
    Filled by `manage.py import_card_bins`; config/bin_countries.csv overrides it by prefix."""

    bin = models.CharField(max_length=8, primary_key=True)
    country = models.CharField(max_length=2, help_text="ISO 3166 alpha-2 of the issuer.")
    brand = models.CharField(max_length=40, blank=True)
    card_type = models.CharField(max_length=20, blank=True, help_text="DEBIT, CREDIT, CHARGE CARD …")
    category = models.CharField(max_length=40, blank=True)
    issuer = models.CharField(max_length=120, blank=True)
    source = models.CharField(max_length=60, help_text="Where the row was imported from.")

    class Meta:
        verbose_name = "card BIN"

    def __str__(self) -> str:
        return f"{self.bin} {self.country}"


class FraudReportReason(models.TextChoices):
    FRAUDULENT = "fraudulent"  # the cardholder disputes it, or the merchant knows it was fraud
    SUSPICIOUS = "suspicious"
    NOT_FRAUD = "not_fraud"  # a flagged payment the merchant vouches for


class FraudReport(models.Model):
    """The merchant's label on one of its payments: the ground truth rules are measured against."""

    transaction = models.OneToOneField(Transaction, on_delete=models.CASCADE, related_name="fraud_report")
    reason = models.CharField(max_length=10, choices=FraudReportReason.choices)
    note = models.CharField(max_length=500, blank=True)
    reported_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.reason} ({self.transaction_id})"


class ModelStatus(models.TextChoices):
    SHADOW = "shadow", "Shadow: scores every payment, not used"
    PROPOSED = "proposed", "Proposed to go live: waits for a second Risk admin"
    LIVE = "live"
    RETIRED = "retired", "Retired: was live, replaced or rolled back"
    REJECTED = "rejected"


class FraudModelVersion(models.Model):
    """A trained fraud model (LightGBM trees and their calibration), numbered 1, 2, 3 …

    At most one is live and one (the newest candidate) runs in shadow. Going live takes two Risk admins
    (a proposal and an approval); a rollback puts the previous live version back in one action."""

    number = models.PositiveIntegerField(unique=True)
    status = models.CharField(max_length=8, choices=ModelStatus.choices, default=ModelStatus.SHADOW)
    booster = models.TextField(help_text="LightGBM's own text format.")
    calibration = models.JSONField(help_text="Isotonic map of the raw probability: {x: [...], y: [...]}.")
    features = models.JSONField(help_text="The model's inputs, in the order of its columns.")
    label_delay_days = models.PositiveSmallIntegerField()
    train_start = models.DateTimeField()
    train_end = models.DateTimeField()
    validation_start = models.DateTimeField()
    validation_end = models.DateTimeField()
    training_payments = models.PositiveIntegerField()
    training_frauds = models.PositiveIntegerField()
    metrics = models.JSONField(help_text="On the validation window: AUC ROC, average precision, CP@100, rates.")
    live_metrics = models.JSONField(help_text="The policy live at training, on the same validation window.")
    feature_importance = models.JSONField(help_text="[[feature, share of the total gain]], largest first.")
    reference = models.JSONField(
        default=dict, help_text="Bins of the risk score and top features in the validation window (drift)."
    )
    drift = models.JSONField(
        default=dict,
        blank=True,
        help_text="The latest daily PSI against the reference: {measured_at, payments, psi: {measure: value}}.",
    )
    trained_by = models.CharField(max_length=150)
    trained_at = models.DateTimeField(auto_now_add=True)
    proposed_by = models.CharField(max_length=150, blank=True)
    proposed_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.CharField(max_length=150, blank=True)
    live_since = models.DateTimeField(null=True, blank=True)
    live_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-number"]
        verbose_name = "fraud model version"
        permissions: ClassVar = [("approve_fraudmodelversion", "Can approve fraud model versions to go live")]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["status"], condition=Q(status="live"), name="one_live_fraud_model"),
        ]

    def __str__(self) -> str:
        return f"model {self.number} ({self.status})"
