"""Rule set versions and proposals in the console: propose a rule set as YAML, read what it changes,
approve or reject someone else's proposal, withdraw your own. Each step calls one service."""

import json
import logging
from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from access.reauth import RecentSignInRequired
from payproc.admin_base import ReadOnlyAdmin
from payproc.errors import DomainError

from .admin_views import percent
from .backtest import OUTCOMES, ROWS, Rates, backtest
from .errors import AnalyticsUnavailable
from .models import ProposalStatus, RuleProposal, RuleSetVersion
from .rule_documents import live_document, parse_yaml, to_yaml
from .services.proposals import approve_proposal, proposal_changes, propose_rules, reject_proposal


class ProposalForm(forms.Form):
    reason = forms.CharField(max_length=500, widget=forms.Textarea(attrs={"rows": 2, "cols": 100}))
    rules = forms.CharField(
        label="Rule set (YAML)",
        widget=forms.Textarea(attrs={"rows": 30, "cols": 100, "spellcheck": "false"}),
        help_text="The whole rule set as it should be (a rule left out is removed), as in config/antifraud_rules.yaml.",
    )

    def clean_rules(self) -> dict[str, Any]:
        try:
            return parse_yaml(self.cleaned_data["rules"])
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from exc


logger = logging.getLogger(__name__)
BACKTEST_MAX_DAYS = 90


def _rates(rates: Rates) -> dict[str, str]:
    return {
        "recall": percent(rates.recall),
        "false_declines": percent(rates.false_declines),
        "false_reviews": percent(rates.false_reviews),
    }


def _pretty(value: dict[str, Any] | None) -> str:
    return json.dumps(value, indent=1, ensure_ascii=False) if value is not None else ""


@admin.register(RuleSetVersion)
class RuleSetVersionAdmin(ReadOnlyAdmin):
    list_display = ("number", "summary", "published_by", "approved_by", "published_at")
    search_fields = ("summary", "published_by", "approved_by")
    fields = ("number", "summary", "published_by", "approved_by", "published_at", "rules_yaml")
    readonly_fields = fields

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return request.user.has_perm("antifraud.view_rulesetversion")

    @admin.display(description="rule set")
    def rules_yaml(self, obj: RuleSetVersion) -> str:
        return to_yaml(obj.document)


@admin.register(RuleProposal)
class RuleProposalAdmin(RecentSignInRequired, admin.ModelAdmin):
    list_display = ("__str__", "status", "reason", "proposed_by", "proposed_at", "decided_by", "published_version")
    list_filter = ("status",)
    search_fields = ("reason", "proposed_by", "decided_by")

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # decided on its page (approve, reject, withdraw), never edited

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def get_urls(self) -> list[Any]:
        backtest_url = path(
            "<path:object_id>/backtest/",
            self.admin_site.admin_view(self.backtest_view),
            name="antifraud_ruleproposal_backtest",
        )
        return [backtest_url, *super().get_urls()]

    def backtest_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Replay the last N days through the proposal, beside what the rules decided then (reading only)."""
        proposal = get_object_or_404(RuleProposal, pk=object_id)
        if not self.has_view_permission(request, proposal):
            raise PermissionDenied
        asked = request.GET.get("days", "")
        days = min(max(int(asked), 1), BACKTEST_MAX_DAYS) if asked.isdigit() else 30
        end = timezone.now()
        try:
            result = backtest(proposal.document, start=end - timedelta(days=days), end=end, show=200)
        except Exception:  # the analytics store is down: say so, never a 500
            logger.exception("backtest failed")
            self.message_user(request, AnalyticsUnavailable.default_message, messages.ERROR)
            return HttpResponseRedirect(reverse("admin:antifraud_ruleproposal_change", args=[proposal.pk]))
        rows = [
            {
                "label": row,
                "draft": [result.draft[row][outcome] for outcome in OUTCOMES],
                "recorded": [result.recorded[row][outcome] for outcome in OUTCOMES],
            }
            for row in ROWS
        ]
        context = self._context(
            request,
            title=f"Backtest of rule proposal #{proposal.pk}",
            proposal=proposal,
            result=result,
            rows=rows,
            outcomes=OUTCOMES,
            days=days,
            day_choices=(1, 7, 30, 90),
            draft_rates=_rates(result.draft_rates),
            recorded_rates=_rates(result.recorded_rates),
        )
        return TemplateResponse(request, "admin/antifraud/backtest.html", context)

    def changeform_view(
        self, request: HttpRequest, object_id: str | None = None, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        if object_id is None:
            return self._propose(request)
        return self._decide(request, get_object_or_404(RuleProposal, pk=object_id))

    def _context(self, request: HttpRequest, **values: Any) -> dict[str, Any]:
        return {**self.admin_site.each_context(request), "opts": self.model._meta, **values}

    def _propose(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ProposalForm(request.POST or None, initial={"rules": to_yaml(live_document())})
        if request.method == "POST" and form.is_valid():
            try:
                proposal = propose_rules(
                    document=form.cleaned_data["rules"],
                    actor=request.user.get_username(),
                    reason=form.cleaned_data["reason"],
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                self.message_user(request, f"Proposed as #{proposal.pk}: another Risk admin must approve it.")
                return HttpResponseRedirect(reverse("admin:antifraud_ruleproposal_change", args=[proposal.pk]))
        context = self._context(request, title="Propose a rule set change", form=form)
        return TemplateResponse(request, "admin/antifraud/rule_proposal_form.html", context)

    def _decide(self, request: HttpRequest, proposal: RuleProposal) -> HttpResponse:
        if not self.has_view_permission(request, proposal):
            raise PermissionDenied
        user = request.user.get_username()
        is_open = proposal.status == ProposalStatus.PROPOSED
        can_decide = (
            is_open and user != proposal.proposed_by and request.user.has_perm("antifraud.approve_ruleproposal")
        )
        if request.method == "POST":
            self._act(request, proposal, user=user, allowed=can_decide or (is_open and user == proposal.proposed_by))
            return HttpResponseRedirect(request.path)
        changes = [
            {
                "kind": change.kind,
                "subject": change.subject,
                "before": _pretty(change.before),
                "after": _pretty(change.after),
            }
            for change in proposal_changes(proposal)
        ]
        context = self._context(
            request,
            title=f"Rule proposal #{proposal.pk}",
            proposal=proposal,
            changes=changes,
            rules_yaml=to_yaml(proposal.document),
            can_decide=can_decide,
            can_withdraw=is_open and user == proposal.proposed_by,
        )
        return TemplateResponse(request, "admin/antifraud/rule_proposal.html", context)

    def _act(self, request: HttpRequest, proposal: RuleProposal, *, user: str, allowed: bool) -> None:
        action, note = request.POST.get("action", ""), request.POST.get("note", "")
        try:
            if not allowed:
                raise DomainError("You may not decide this proposal.")
            if action == "approve":
                version = approve_proposal(proposal_id=proposal.pk, actor=user, note=note)
                live = f"version {version.number} is live" if version else "nothing changed"
                self.message_user(request, f"Approved: {live}.", messages.SUCCESS)
            elif action in {"reject", "withdraw"}:
                closed = reject_proposal(proposal_id=proposal.pk, actor=user, note=note)
                self.message_user(request, f"Proposal {closed.get_status_display()}.", messages.SUCCESS)
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
