"""Query filters of the payment list; each states in the schema what it accepts."""

from datetime import UTC

import django_filters
import django_filters.fields
from django import forms
from django.core.validators import RegexValidator
from django_filters.fields import IsoDateTimeField
from drf_spectacular.utils import extend_schema_field

from transactions.models import Status, Transaction

CURRENCY_PATTERN = r"^[A-Za-z]{3}$"


class NonEmptyWhenGiven:
    """A filter left out does not filter; one given empty (`?status=`) is a 400, as the schema says."""

    def clean(self, value):
        if value == "":
            raise forms.ValidationError("This parameter may not be empty; leave it out instead.", code="invalid")
        return super().clean(value)


class NonEmptyChoiceField(NonEmptyWhenGiven, django_filters.fields.ChoiceField):
    pass


class NonEmptyCharField(NonEmptyWhenGiven, forms.CharField):
    pass


class UtcIsoDateTimeField(NonEmptyWhenGiven, IsoDateTimeField):
    """ISO 8601 with any offset, compared in UTC: PostgreSQL refuses offsets beyond ±15:59, and a moment
    that falls outside years 1-9999 once in UTC is refused here with a 400."""

    def to_python(self, value: str | None):
        moment = super().to_python(value)
        if moment is None:
            return None
        try:
            return moment.astimezone(UTC)
        except OverflowError:
            raise forms.ValidationError("Enter a date-time between years 1 and 9999.", code="invalid") from None


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


@extend_schema_field({"type": "string", "pattern": CURRENCY_PATTERN})
class CurrencyFilter(django_filters.CharFilter):
    field_class = NonEmptyCharField

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, validators=[RegexValidator(CURRENCY_PATTERN, "currency must be 3 letters.")], **kwargs)


class StatusFilter(django_filters.ChoiceFilter):
    field_class = NonEmptyChoiceField


class TransactionFilter(django_filters.FilterSet):
    status = StatusFilter(choices=Status.choices)
    currency = CurrencyFilter(method="filter_currency", help_text="ISO 4217 code, e.g. USD.")
    created_after = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="gte", help_text="ISO 8601, inclusive.")
    created_before = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="lt", help_text="ISO 8601, exclusive.")

    class Meta:
        model = Transaction
        fields = ["status", "currency", "created_after", "created_before"]

    def filter_currency(self, queryset, name: str, value: str):
        return queryset.filter(currency=value.upper())
