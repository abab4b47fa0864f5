"""Fraud model versions in the console: each version's training window, its metrics beside the live
policy's on the same validation window, its feature importance, and how it compares with the live model
on labelled payments since it started scoring in shadow. Propose, approve (another Risk admin), reject,
roll back: each a button that calls one service."""

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse

from access.reauth import RecentSignInRequired
from payproc.errors import DomainError

from .learning.comparison import shadow_comparison
from .learning.metrics import ROWS
from .models import FraudModelVersion, ModelStatus
from .services.fraud_models import approve_model, propose_model, reject_model, rollback_model


def _cell(metrics: dict[str, Any], key: str, form: str) -> str:
    value = metrics.get(key)
    return "—" if value is None else form.format(value)


def metric_rows(*columns: dict[str, Any]) -> list[list[str]]:
    return [[title, *(_cell(metrics, key, form) for metrics in columns)] for title, key, form in ROWS]


@admin.register(FraudModelVersion)
class FraudModelVersionAdmin(RecentSignInRequired, admin.ModelAdmin):
    list_display = ("number", "status", "trained_at", "trained_by", "average_precision", "proposed_by", "approved_by")
    list_filter = ("status",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # trained by `manage.py train_fraud_model` or the weekly task

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.display(description="average precision")
    def average_precision(self, obj: FraudModelVersion) -> str:
        return _cell(obj.metrics, "average_precision", "{:.3f}")

    def change_view(self, request: HttpRequest, object_id: str, *args: Any, **kwargs: Any) -> HttpResponse:
        version = get_object_or_404(FraudModelVersion, pk=object_id)
        if not self.has_view_permission(request, version):
            raise PermissionDenied
        user = request.user.get_username()
        if request.method == "POST":
            self._act(request, version, user=user)
            return HttpResponseRedirect(request.path)
        may_change = self.has_change_permission(request, version)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Fraud model {version.number} ({version.get_status_display()})",
            "version": version,
            "metrics": metric_rows(version.metrics, version.live_metrics),
            "importance": [(name, f"{share:.1%}") for name, share in version.feature_importance[:15]],
            "comparison": shadow_comparison(version),
            "can_propose": may_change and version.status == ModelStatus.SHADOW,
            "can_decide": version.status == ModelStatus.PROPOSED
            and user != version.proposed_by
            and request.user.has_perm("antifraud.approve_fraudmodelversion"),
            "can_reject": may_change and version.status in {ModelStatus.SHADOW, ModelStatus.PROPOSED},
            "can_roll_back": may_change and version.status == ModelStatus.LIVE,
        }
        return TemplateResponse(request, "admin/antifraud/fraud_model.html", context)

    def _act(self, request: HttpRequest, version: FraudModelVersion, *, user: str) -> None:
        action, note = request.POST.get("action", ""), request.POST.get("note", "")
        allowed = self.has_change_permission(request, version) and (
            action != "approve" or request.user.has_perm("antifraud.approve_fraudmodelversion")
        )
        try:
            if not allowed:
                raise DomainError("You may not do this to a model version.")
            if action == "propose":
                propose_model(number=version.number, actor=user, reason=note)
                self.message_user(request, "Proposed: another Risk admin approves it to go live.", messages.SUCCESS)
            elif action == "approve":
                approve_model(number=version.number, actor=user)
                self.message_user(request, f"Model {version.number} is live.", messages.SUCCESS)
            elif action == "reject":
                reject_model(number=version.number, actor=user, note=note)
                self.message_user(request, "Rejected.", messages.SUCCESS)
            elif action == "rollback":
                back = rollback_model(actor=user, reason=note)
                live = f"model {back.number} is live again" if back else "rules alone decide again"
                self.message_user(request, f"Rolled back: {live}.", messages.SUCCESS)
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
