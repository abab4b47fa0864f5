import django_filters

from transactions.models import Status, Transaction


class TransactionFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Status.choices)
    currency = django_filters.CharFilter(method="filter_currency")
    created_after = django_filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="gte", help_text="ISO 8601, inclusive."
    )
    created_before = django_filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="lt", help_text="ISO 8601, exclusive."
    )

    class Meta:
        model = Transaction
        fields = ["status", "currency", "created_after", "created_before"]

    def filter_currency(self, queryset, name: str, value: str):
        return queryset.filter(currency=value.upper())
