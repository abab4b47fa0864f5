"""Rules, lists and thresholds are edited here, each change through its service (which audits it).
With maker-checker on, rules and thresholds are read here and changed through rule proposals."""

from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html

from access.reauth import RecentSignInRequired
from audit.history import history_table
from payproc.admin_base import ReadOnlyAdmin, ServiceAdmin

from .models import AnalystReview, CardBin, FraudDecision, FraudRule, ListEntry, RiskThresholds
from .services.lists import remove_list_entry, save_list_entry
from .services.rule_sets import delete_rule, delete_thresholds, save_rule, save_thresholds


class RuleSetAdmin(RecentSignInRequired, ServiceAdmin):
    """Rules and thresholds: edited here only without maker-checker; otherwise through proposals."""

    def _direct(self) -> bool:
        return not settings.FRAUD_RULES_MAKER_CHECKER

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return self._direct() and super().has_add_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return self._direct() and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return self._direct() and super().has_delete_permission(request, obj)

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        if not self._direct() and request.method == "GET":
            link = reverse("admin:antifraud_ruleproposal_add")
            message = format_html(
                'Rules and thresholds change through <a href="{}">a proposal</a> that another Risk admin approves.',
                link,
            )
            self.message_user(request, message, messages.INFO)
        return super().changelist_view(request, extra_context)


@admin.register(FraudRule)
class FraudRuleAdmin(RuleSetAdmin):
    list_display = ("name", "rule_type", "score", "action", "mode", "enabled", "merchant", "updated_at")
    list_filter = ("rule_type", "action", "mode", "enabled")
    search_fields = ("name", "description")
    readonly_fields = ("history",)

    @admin.display(description="history (audit log)")
    def history(self, rule: FraudRule) -> str:
        return history_table(rule)

    def save_with(self, obj: FraudRule, *, actor: str) -> None:
        save_rule(rule=obj, actor=actor)

    def delete_with(self, obj: FraudRule, *, actor: str) -> None:
        delete_rule(rule=obj, actor=actor)


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
class RiskThresholdsAdmin(RuleSetAdmin):
    list_display = ("__str__", "merchant", "review_at", "decline_at")

    def save_with(self, obj: RiskThresholds, *, actor: str) -> None:
        save_thresholds(thresholds=obj, actor=actor)

    def delete_with(self, obj: RiskThresholds, *, actor: str) -> None:
        delete_thresholds(thresholds=obj, actor=actor)


@admin.register(CardBin)
class CardBinAdmin(ReadOnlyAdmin):
    """The imported BIN table (`manage.py import_card_bins`), to look an issuer up."""

    list_display = ("bin", "country", "brand", "card_type", "category", "issuer", "source")
    list_filter = ("country", "card_type")
    search_fields = ("=bin", "issuer")
    show_full_result_count = False


@admin.register(FraudDecision)
class FraudDecisionAdmin(ReadOnlyAdmin):
    list_display = ("transaction", "score", "outcome", "rules_version", "decided_at")
    list_filter = ("outcome", "rules_version")
    list_select_related = ("transaction",)


@admin.register(AnalystReview)
class AnalystReviewAdmin(ReadOnlyAdmin):
    list_display = ("transaction", "analyst", "outcome", "reason", "decided_at")
    list_filter = ("outcome",)


from . import model_admin, proposal_admin, review_admin  # noqa: E402,F401 - registers models, proposals, the review queue
