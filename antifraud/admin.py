"""Rules, lists and thresholds are edited here; every rule edit is recorded as a RuleChange."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from .models import AnalystReview, AuditEntry, FraudDecision, FraudRule, ListEntry, RiskThresholds, RuleChange
from .rule_services import delete_rule, save_rule


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class RuleChangeInline(admin.TabularInline):
    model = RuleChange
    extra = 0
    fields = ("changed_at", "changed_by", "action", "before", "after")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: FraudRule | None = None) -> bool:
        return False


@admin.register(FraudRule)
class FraudRuleAdmin(admin.ModelAdmin):
    list_display = ("name", "rule_type", "score", "enabled", "merchant", "updated_at")
    list_filter = ("rule_type", "enabled")
    search_fields = ("name", "description")
    inlines = (RuleChangeInline,)

    def save_model(self, request: HttpRequest, obj: FraudRule, form: object, change: bool) -> None:
        save_rule(rule=obj, actor=request.user.get_username())

    def delete_model(self, request: HttpRequest, obj: FraudRule) -> None:
        delete_rule(rule=obj, actor=request.user.get_username())

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[FraudRule]) -> None:
        for rule in queryset:
            delete_rule(rule=rule, actor=request.user.get_username())


@admin.register(RuleChange)
class RuleChangeAdmin(ReadOnlyAdmin):
    list_display = ("changed_at", "rule_name", "action", "changed_by")
    list_filter = ("action",)
    search_fields = ("rule_name", "changed_by")


@admin.register(ListEntry)
class ListEntryAdmin(admin.ModelAdmin):
    list_display = ("list_type", "kind", "value", "reason", "created_by", "created_at")
    list_filter = ("list_type", "kind")
    search_fields = ("value", "reason")
    readonly_fields = ("created_by", "created_at")

    def save_model(self, request: HttpRequest, obj: ListEntry, form: object, change: bool) -> None:
        from .lists import normalise_entry

        obj.value = normalise_entry(obj.kind, obj.value)
        obj.created_by = obj.created_by or request.user.get_username()
        super().save_model(request, obj, form, change)


@admin.register(RiskThresholds)
class RiskThresholdsAdmin(admin.ModelAdmin):
    list_display = ("__str__", "merchant", "review_at", "decline_at")


@admin.register(FraudDecision)
class FraudDecisionAdmin(ReadOnlyAdmin):
    list_display = ("transaction", "score", "outcome", "decided_at")
    list_filter = ("outcome",)
    list_select_related = ("transaction",)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """Read-only for everyone, superusers included."""

    list_display = ("at", "actor", "action", "object_type", "object_id", "note")
    list_filter = ("action", "object_type")
    search_fields = ("actor", "object_id", "note")


@admin.register(AnalystReview)
class AnalystReviewAdmin(ReadOnlyAdmin):
    list_display = ("transaction", "analyst", "outcome", "reason", "decided_at")
    list_filter = ("outcome",)


from . import review_admin  # noqa: E402,F401 - registers the review queue
