"""Admin for merchants, keys and payments. Payments are read-only here: changes go through services."""

from datetime import timedelta

from django.conf import settings
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from access.reauth import RecentSignInRequired

from .api_keys import IssuedKey, issue_api_key, rename_api_key, revoke_api_key, rotate_api_key, save_merchant
from .models import ApiKey, Merchant, Refund, Transaction, TransactionEvent


class ApiKeyInline(admin.TabularInline):
    model = ApiKey
    extra = 0
    can_delete = False
    fields = ("prefix", "name", "created_at", "last_used_at", "expires_at", "revoked_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Merchant | None = None) -> bool:
        return False  # issued by the merchant's "Issue a new API key" action or `manage.py create_api_key`


def _show_once(request: HttpRequest, issued: IssuedKey) -> None:
    messages.warning(
        request,
        f"New API key for {issued.api_key.merchant}: {issued.secret} — copy it now, it is not shown again.",
    )


@admin.register(Merchant)
class MerchantAdmin(RecentSignInRequired, admin.ModelAdmin):
    list_display = ("name", "id", "is_active", "created_at")
    search_fields = ("name", "id")
    inlines = (ApiKeyInline,)
    actions = ("issue_key",)

    def save_model(self, request: HttpRequest, obj: Merchant, form: object, change: bool) -> None:
        save_merchant(merchant=obj, actor=request.user.get_username())

    @admin.action(description="Issue a new API key (shown once)", permissions=["change"])
    def issue_key(self, request: HttpRequest, queryset: QuerySet[Merchant]) -> None:
        actor = request.user.get_username()
        for merchant in queryset:
            _show_once(request, issue_api_key(merchant=merchant, name="issued in the admin", actor=actor))


@admin.register(ApiKey)
class ApiKeyAdmin(RecentSignInRequired, admin.ModelAdmin):
    list_display = ("prefix", "merchant", "name", "created_at", "last_used_at", "expires_at", "revoked_at")
    list_filter = ("revoked_at", "expires_at")
    readonly_fields = ("merchant", "prefix", "created_at", "last_used_at", "expires_at", "revoked_at")
    fields = ("merchant", "name", "prefix", "created_at", "last_used_at", "expires_at", "revoked_at")
    actions = ("revoke", "rotate")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ApiKey | None = None) -> bool:
        return False  # revoke instead: the key's history stays

    def save_model(self, request: HttpRequest, obj: ApiKey, form: object, change: bool) -> None:
        rename_api_key(api_key=obj, name=obj.name, actor=request.user.get_username())

    @admin.action(description="Revoke selected keys", permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        for api_key in queryset:
            revoke_api_key(api_key=api_key, actor=request.user.get_username())
        self.message_user(request, f"Revoked {queryset.count()} key(s).", messages.SUCCESS)

    @admin.action(
        description="Rotate selected keys (new key now, old one expires after the overlap)", permissions=["change"]
    )
    def rotate(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        overlap = timedelta(hours=settings.API_KEY_ROTATION_OVERLAP_HOURS)
        for api_key in queryset.filter(revoked_at__isnull=True):
            _show_once(request, rotate_api_key(api_key=api_key, overlap=overlap, actor=request.user.get_username()))


class TransactionEventInline(admin.TabularInline):
    model = TransactionEvent
    extra = 0
    can_delete = False
    fields = ("created_at", "from_status", "to_status", "actor", "reason")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Transaction | None = None) -> bool:
        return False


class RefundInline(admin.TabularInline):
    """A payment's refunds as they stand; refunds are made through the API, which holds the amounts."""

    model = Refund
    extra = 0
    can_delete = False
    fields = ("created_at", "amount", "currency", "status", "reason", "failure_reason", "provider_reference")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Transaction | None = None) -> bool:
        return False


@admin.register(Transaction)
class TransactionAdmin(admin.ModelAdmin):
    list_display = ("id", "merchant", "status", "amount", "currency", "card_brand", "card_last4", "created_at")
    list_filter = ("status", "capture_method", "currency", "card_brand")
    list_select_related = ("merchant",)
    search_fields = ("=id", "merchant_reference", "customer_email", "card_last4", "=card_fingerprint")
    date_hierarchy = "created_at"
    inlines = (TransactionEventInline, RefundInline)

    def get_readonly_fields(self, request: HttpRequest, obj: Transaction | None = None) -> list[str]:
        return [field.name for field in self.model._meta.fields] + [
            "amount",
            "amount_captured",
            "amount_refunded",
            "fraud",
        ]

    @admin.display(description="Fraud decision")
    def fraud(self, obj: Transaction) -> str:
        decision = getattr(obj, "fraud_decision", None)
        if decision is None:
            return "not scored yet"
        rules = "; ".join(f"{rule['rule']} (+{rule['score']}): {rule['observed']}" for rule in decision.fired_rules)
        return f"{decision.outcome}, score {decision.score}" + (f" — {rules}" if rules else "")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Transaction | None = None) -> bool:
        return False
