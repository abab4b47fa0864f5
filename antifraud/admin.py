"""Rules, lists and thresholds are edited here, each change through its service (which audits it)."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from access.reauth import RecentSignInRequired

from .lists import remove_list_entry, save_list_entry
from .models import AnalystReview, FraudDecision, FraudRule, ListEntry, RiskThresholds, RuleChange
from .rule_services import delete_rule, delete_thresholds, save_rule, save_thresholds


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
class FraudRuleAdmin(RecentSignInRequired, admin.ModelAdmin):
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
class ListEntryAdmin(RecentSignInRequired, admin.ModelAdmin):
    list_display = ("list_type", "kind", "value", "reason", "created_by", "created_at")
    list_filter = ("list_type", "kind")
    search_fields = ("value", "reason")
    readonly_fields = ("created_by", "created_at")

    def save_model(self, request: HttpRequest, obj: ListEntry, form: object, change: bool) -> None:
        save_list_entry(entry=obj, actor=request.user.get_username())

    def delete_model(self, request: HttpRequest, obj: ListEntry) -> None:
        remove_list_entry(entry=obj, actor=request.user.get_username())

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ListEntry]) -> None:
        for entry in queryset:
            remove_list_entry(entry=entry, actor=request.user.get_username())


@admin.register(RiskThresholds)
class RiskThresholdsAdmin(RecentSignInRequired, admin.ModelAdmin):
    list_display = ("__str__", "merchant", "review_at", "decline_at")

    def save_model(self, request: HttpRequest, obj: RiskThresholds, form: object, change: bool) -> None:
        save_thresholds(thresholds=obj, actor=request.user.get_username())

    def delete_model(self, request: HttpRequest, obj: RiskThresholds) -> None:
        delete_thresholds(thresholds=obj, actor=request.user.get_username())

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[RiskThresholds]) -> None:
        for thresholds in queryset:
            delete_thresholds(thresholds=thresholds, actor=request.user.get_username())


@admin.register(FraudDecision)
class FraudDecisionAdmin(ReadOnlyAdmin):
    list_display = ("transaction", "score", "outcome", "decided_at")
    list_filter = ("outcome",)
    list_select_related = ("transaction",)


@admin.register(AnalystReview)
class AnalystReviewAdmin(ReadOnlyAdmin):
    list_display = ("transaction", "analyst", "outcome", "reason", "decided_at")
    list_filter = ("outcome",)


from . import review_admin  # noqa: E402,F401 - registers the review queue
