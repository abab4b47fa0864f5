"""Request and response shapes of the payments API. Business rules live in the services."""

import re
import threading
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

import pycountry
from django.core.validators import RegexValidator
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from iso4217 import Currency
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail

from payproc.http.fields import IPAddressField, StrictCharField, StrictIntegerField
from payproc.http.logging import contains_card_number
from transactions.models import CaptureMethod, Refund, RefundStatus, Status, Transaction
from transactions.services import Customer, PaymentRequest

METADATA_MAX_KEYS = 20
METADATA_KEY_MAX_LENGTH = 40
METADATA_VALUE_MAX_LENGTH = 500
_DECIMAL_STRING = re.compile(r"^\s*\d+(\.\d+)?\s*$")
# 12 to 19 digits, with spaces or dashes anywhere; the Luhn check is the service's.
CARD_NUMBER_PATTERN = r"^(?:[ -]*[0-9]){12,19}[ -]*$"
PAYABLE_CURRENCIES = sorted(currency.code for currency in Currency if currency.exponent is not None)
COUNTRIES = sorted(country.alpha_2 for country in pycountry.countries)
_COUNTRY_SET = frozenset(COUNTRIES)
CARD_NUMBER_MAX_LENGTH = 40


@extend_schema_field({"type": "string", "enum": PAYABLE_CURRENCIES, "example": "USD"})
class CurrencyField(StrictCharField):
    """An ISO 4217 code in capitals; whether it can be paid in is the service's check."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_length=3, max_length=3, **kwargs)


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not know, so a typo is an error rather than silently ignored."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {unknown[0]: [ErrorDetail(f"Unknown field {unknown[0]!r}.", code="unknown_field")]}
                )
        return super().to_internal_value(data)


class InputSerializer(StrictSerializer):
    """A request-body serializer whose fields are built and bound once per class and thread.

    DRF deep-copies and re-binds every declared field for each serializer instance, which costs more
    than validating the request itself. Validation keeps no state on fields (values, errors and
    `validate_<field>` hooks live on the instance that validates), so for serializers used without
    context or `partial` the bound fields of a data-less prototype can be reused.
    """

    _prototypes: ClassVar[threading.local]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._prototypes = threading.local()

    @property
    def fields(self) -> dict[str, serializers.Field]:  # type: ignore[override]
        prototype = getattr(self._prototypes, "instance", None)
        if prototype is None:
            prototype = self._prototypes.instance = type(self)()
            prototype.fields = serializers.Serializer.fields.func(prototype)  # the standard bound fields
        return prototype.__dict__["fields"]

    @fields.setter
    def fields(self, value: dict[str, serializers.Field]) -> None:
        self.__dict__["fields"] = value


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string", "pattern": r"^\d+(\.\d+)?$"},
            {"type": "number", "minimum": 0, "exclusiveMinimum": True},
        ],
        "example": "49.99",
    }
)
class AmountField(serializers.Field):
    """A positive amount in major units, as a JSON number or a decimal string; never a float."""

    default_error_messages = {"invalid_amount": 'amount must be a decimal number such as 10.50 or "10.50".'}

    def to_internal_value(self, data: Any) -> Decimal:
        if isinstance(data, bool):
            self.fail("invalid_amount")
        if isinstance(data, int):
            return Decimal(data)
        if isinstance(data, Decimal) and data.is_finite():
            return data
        if isinstance(data, str) and _DECIMAL_STRING.match(data):
            return Decimal(data.strip())
        self.fail("invalid_amount")

    def to_representation(self, value: Any) -> str:
        return str(value)


def reject_card_data(value: str, field: str) -> str:
    if contains_card_number(value):
        raise serializers.ValidationError(
            f"{field} looks like it contains a card number; card data belongs only in card_number.",
            code="card_data_not_allowed",
        )
    return value


@extend_schema_field({"type": "string", "enum": ["", *COUNTRIES], "example": "US"})
class CountryField(StrictCharField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(allow_blank=True, max_length=2, **kwargs)

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        if value and value not in _COUNTRY_SET:
            raise serializers.ValidationError(
                "country must be an ISO 3166-1 alpha-2 code in capitals, e.g. US.", code="invalid_country"
            )
        return value


class CustomerIn(StrictSerializer):
    email = serializers.EmailField(required=False, allow_blank=True, max_length=254)
    ip = IPAddressField(required=False, allow_null=True)
    country = CountryField(required=False)


@extend_schema_field(
    {
        "type": "string",
        "pattern": CARD_NUMBER_PATTERN,
        "maxLength": CARD_NUMBER_MAX_LENGTH,
        "example": "4242424242424242",
    }
)
class CardNumberField(StrictCharField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=CARD_NUMBER_MAX_LENGTH, **kwargs)


@extend_schema_field(
    {
        "type": "object",
        "maxProperties": METADATA_MAX_KEYS,
        "additionalProperties": {"type": "string", "maxLength": METADATA_VALUE_MAX_LENGTH},
    }
)
class MetadataField(serializers.DictField):
    pass


class TransactionIn(InputSerializer):
    """A card payment to accept."""

    amount = AmountField(help_text='Major units: 10.50 or "10.50". At most the currency\'s ISO 4217 decimals.')
    currency = CurrencyField(help_text="ISO 4217 code in capitals, e.g. USD.")
    card_number = CardNumberField(
        trim_whitespace=True, write_only=True, help_text="12-19 digits passing the Luhn check."
    )
    expiry_month = StrictIntegerField(min_value=1, max_value=12)
    expiry_year = StrictIntegerField(min_value=2000, max_value=2100, help_text="The card must not have expired.")
    cvv = StrictCharField(
        write_only=True,
        validators=[RegexValidator(r"^\d{3,4}$", "cvv must be 3 or 4 digits.")],
        help_text="3 digits, 4 for American Express.",
    )
    merchant_reference = StrictCharField(required=False, allow_blank=True, max_length=128)
    description = StrictCharField(required=False, allow_blank=True, max_length=500)
    customer = CustomerIn(required=False)
    device_id = StrictCharField(required=False, allow_blank=True, max_length=128)
    metadata = MetadataField(
        child=StrictCharField(allow_blank=True, max_length=METADATA_VALUE_MAX_LENGTH),
        required=False,
        help_text=f"Up to {METADATA_MAX_KEYS} string values, keys of 1 to {METADATA_KEY_MAX_LENGTH} characters.",
    )
    capture_method = serializers.ChoiceField(
        choices=CaptureMethod.choices,
        required=False,
        help_text="automatic (default): captured when authorized, ending `approved`. manual: held as "
        "`authorized` until POST /transaction/{id}/capture or /cancel.",
    )
    idempotency_key = StrictCharField(
        required=False, max_length=255, help_text="Alternative to the Idempotency-Key header."
    )

    def validate_description(self, value: str) -> str:
        return reject_card_data(value, "description")

    def validate_merchant_reference(self, value: str) -> str:
        return reject_card_data(value, "merchant_reference")

    def validate_metadata(self, value: dict[str, str]) -> dict[str, str]:
        if len(value) > METADATA_MAX_KEYS:
            raise serializers.ValidationError(
                f"metadata has more than {METADATA_MAX_KEYS} keys.", code="invalid_metadata"
            )
        for key, item in value.items():
            if not key or len(key) > METADATA_KEY_MAX_LENGTH:
                raise serializers.ValidationError(
                    f"metadata keys must have 1 to {METADATA_KEY_MAX_LENGTH} characters.", code="invalid_metadata"
                )
            reject_card_data(f"{key} {item}", "metadata")
        return value

    def to_payment_request(self) -> PaymentRequest:
        data = dict(self.validated_data)
        data.pop("idempotency_key", None)
        customer = data.pop("customer", None) or {}
        return PaymentRequest(**data, customer=Customer(**customer))


def _iso(moment: datetime) -> str:
    """DRF's ISO 8601 form of a datetime, in the current time zone (UTC): "…Z" rather than "…+00:00"."""
    text = timezone.localtime(moment).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class CardOut(serializers.Serializer):
    brand = serializers.CharField(source="card_brand")
    bin = serializers.CharField(source="card_bin")
    last4 = serializers.CharField(source="card_last4")
    exp_month = serializers.IntegerField(source="card_exp_month")
    exp_year = serializers.IntegerField(source="card_exp_year")
    fingerprint = serializers.CharField(source="card_fingerprint")


class CustomerOut(serializers.Serializer):
    email = serializers.CharField(source="customer_email")
    ip = serializers.IPAddressField(source="customer_ip", allow_null=True)
    country = serializers.CharField(source="customer_country")


RISK_LEVELS = ("normal", "elevated", "highest")
OUTCOME_REASONS = ("elevated_risk_level", "highest_risk_level", "blocklist", "allowlist", "rule")


def risk_outcome(decision: Any) -> dict[str, Any]:
    """Stripe's charge outcome, in short: the risk score (0-100), its level against the thresholds the
    payment was decided with, and why it was not simply approved (a list, a rule that always reviews or
    declines, or the level); null if it was. Which list or rule is not said."""
    score = decision.score
    level = "highest" if score >= decision.decline_at else "elevated" if score >= decision.review_at else "normal"
    listed = {rule.get("type") for rule in decision.fired_rules}
    if "block_list" in listed:
        reason = "blocklist"
    elif "allow_list" in listed:
        reason = "allowlist"
    elif (decision.outcome, level) in {("decline", "normal"), ("decline", "elevated"), ("review", "normal")}:
        reason = "rule"  # above what its score alone gives: a rule that always declines or reviews
    elif decision.outcome == "decline":
        reason = "highest_risk_level"
    elif decision.outcome == "review":
        reason = "elevated_risk_level"
    else:
        reason = None
    return {"risk_score": score, "risk_level": level, "reason": reason}


class TransactionOut(serializers.ModelSerializer):
    object = serializers.SerializerMethodField()
    amount = serializers.CharField(help_text="Decimal string in major units.")
    card = CardOut(source="*")
    customer = CustomerOut(source="*")
    fraud = serializers.SerializerMethodField(help_text="The anti-fraud decision once the payment is scored.")
    outcome = serializers.SerializerMethodField(
        help_text="The risk assessment once the payment is scored, as a merchant may show it: no rule internals."
    )
    decline_reason = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=Status.choices)
    capture_method = serializers.ChoiceField(choices=CaptureMethod.choices)
    amount_captured = serializers.CharField(help_text="Captured so far, decimal string in major units.")
    amount_refunded = serializers.CharField(help_text="Refunded so far (refunds that succeeded).")

    class Meta:
        model = Transaction
        fields = [
            "id",
            "object",
            "status",
            "amount",
            "amount_minor",
            "currency",
            "capture_method",
            "amount_captured",
            "amount_captured_minor",
            "amount_refunded",
            "amount_refunded_minor",
            "card",
            "merchant_reference",
            "description",
            "customer",
            "device_id",
            "metadata",
            "fraud",
            "outcome",
            "decline_reason",
            "created_at",
            "updated_at",
        ]

    def to_representation(self, tx: Transaction) -> dict[str, Any]:
        """The declared fields, built directly: DRF's generic path copies and binds ~30 fields per payment,
        which cost more than the rest of `POST /transaction`. Tests hold it equal to the generic output."""
        return {
            "id": str(tx.id),
            "object": "transaction",
            "status": tx.status,
            "amount": tx.amount,
            "amount_minor": tx.amount_minor,
            "currency": tx.currency,
            "capture_method": tx.capture_method,
            "amount_captured": tx.amount_captured,
            "amount_captured_minor": tx.amount_captured_minor,
            "amount_refunded": tx.amount_refunded,
            "amount_refunded_minor": tx.amount_refunded_minor,
            "card": tx.card,
            "merchant_reference": tx.merchant_reference,
            "description": tx.description,
            "customer": tx.customer,
            "device_id": tx.device_id,
            "metadata": tx.metadata,
            "fraud": self.get_fraud(tx),
            "outcome": self.get_outcome(tx),
            "decline_reason": self.get_decline_reason(tx),
            "created_at": _iso(tx.created_at),
            "updated_at": _iso(tx.updated_at),
        }

    def get_object(self, tx: Transaction) -> str:
        return "transaction"

    def get_fraud(self, tx: Transaction) -> dict | None:
        decision = getattr(tx, "fraud_decision", None)
        if decision is None:
            return None
        return {
            "score": decision.score,
            "decision": decision.outcome,
            "rules": decision.fired_rules,  # name, type, score and what was observed; never rule parameters
            "decided_at": _iso(decision.decided_at),
        }

    @extend_schema_field(
        {
            "type": "object",
            "nullable": True,
            "required": ["risk_score", "risk_level", "reason"],
            "properties": {
                "risk_score": {"type": "integer", "minimum": 0, "maximum": 100},
                "risk_level": {"type": "string", "enum": list(RISK_LEVELS)},
                "reason": {"type": "string", "nullable": True, "enum": [*OUTCOME_REASONS, None]},
            },
        }
    )
    def get_outcome(self, tx: Transaction) -> dict | None:
        decision = getattr(tx, "fraud_decision", None)
        return None if decision is None else risk_outcome(decision)

    def get_decline_reason(self, tx: Transaction) -> str | None:
        return tx.decline_reason or None


class CaptureIn(StrictSerializer):
    """Capture an authorized payment: all of it, or `amount` of it (the rest is released)."""

    amount = AmountField(required=False, help_text="At most the authorized amount; all of it when absent.")
    idempotency_key = StrictCharField(required=False, max_length=255, help_text="Alternative to the header.")


class CancelIn(StrictSerializer):
    """Release an authorized payment's hold."""

    idempotency_key = StrictCharField(required=False, max_length=255, help_text="Alternative to the header.")


class RefundIn(StrictSerializer):
    """Refund a captured payment: all that is left to refund, or `amount` of it."""

    amount = AmountField(required=False, help_text="At most what is left to refund; all of it when absent.")
    reason = StrictCharField(required=False, allow_blank=True, max_length=500)
    idempotency_key = StrictCharField(required=False, max_length=255, help_text="Alternative to the header.")

    def validate_reason(self, value: str) -> str:
        return reject_card_data(value, "reason")


class RefundOut(serializers.ModelSerializer):
    object = serializers.SerializerMethodField()
    transaction_id = serializers.UUIDField()
    amount = serializers.CharField(help_text="Decimal string in major units.")
    status = serializers.ChoiceField(
        choices=RefundStatus.choices,
        help_text="pending: sent to the provider, its amount held; succeeded; failed (see failure_reason).",
    )

    class Meta:
        model = Refund
        fields = [
            "id",
            "object",
            "transaction_id",
            "status",
            "amount",
            "amount_minor",
            "currency",
            "reason",
            "failure_reason",
            "created_at",
            "updated_at",
        ]

    def get_object(self, refund: Refund) -> str:
        return "refund"


class RefundListOut(serializers.Serializer):
    object = serializers.CharField(default="list")
    data = RefundOut(many=True)
