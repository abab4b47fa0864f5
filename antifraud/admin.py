"""Rules, lists and thresholds are edited here, each change through its service (which audits it)."""

from django.contrib import admin
from django.http import HttpRequest

from access.reauth import RecentSignInRequired
from payproc.admin_base import ReadOnlyAdmin, ServiceAdmin

from .lists import remove_list_entry, save_list_entry
from .models import AnalystReview, FraudDecision, FraudRule, ListEntry, RiskThresholds, RuleChange
from .rule_services import delete_rule, delete_thresholds, save_rule, save_thresholds


class RuleChangeInline(admin.TabularInline):
    model = RuleChange
    extra = 0
    fields = ("changed_at", "changed_by", "action", "before", "after")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: FraudRule | None = None) -> bool:
        return False


@admin.register(FraudRule)
class FraudRuleAdmin(RecentSignInRequired, ServiceAdmin):
    list_display = ("name", "rule_type", "score", "enabled", "merchant", "updated_at")
    list_filter = ("rule_type", "enabled")
    search_fields = ("name", "description")
    inlines = (RuleChangeInline,)

    def save_with(self, obj: FraudRule, *, actor: str) -> None:
        save_rule(rule=obj, actor=actor)

    def delete_with(self, obj: FraudRule, *, actor: str) -> None:
        delete_rule(rule=obj, actor=actor)


@admin.register(RuleChange)
class RuleChangeAdmin(ReadOnlyAdmin):
    list_display = ("changed_at", "rule_name", "action", "changed_by")
    list_filter = ("action",)
    search_fields = ("rule_name", "changed_by")


@admin.register(ListEntry)
class ListEntryAdmin(RecentSignInRequired, ServiceAdmin):
    list_display = ("list_type", "kind", "value", "reason", "created_by", "created_at")
    list_filter = ("list_type", "kind")
    search_fields = ("value", "reason")
    readonly_fields = ("created_by", "created_at")

    def save_with(self, obj: ListEntry, *, actor: str) -> None:
        save_list_entry(entry=obj, actor=actor)

    def delete_with(self, obj: ListEntry, *, actor: str) -> None:
        remove_list_entry(entry=obj, actor=actor)


@admin.register(RiskThresholds)
class RiskThresholdsAdmin(RecentSignInRequired, ServiceAdmin):
    list_display = ("__str__", "merchant", "review_at", "decline_at")

    def save_with(self, obj: RiskThresholds, *, actor: str) -> None:
        save_thresholds(thresholds=obj, actor=actor)

    def delete_with(self, obj: RiskThresholds, *, actor: str) -> None:
        delete_thresholds(thresholds=obj, actor=actor)


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
