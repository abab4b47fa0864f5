"""Alert rules, escalation policies and silences are edited here; incidents are acknowledged and resolved.

Every change goes to the back-office audit log.
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from audit.history import history_table
from audit.services import delete_audited, save_audited
from payproc.admin_base import ServiceAdmin

from .errors import IncidentStateError
from .matching import InvalidCondition, check_conditions, check_template
from .models import (
    AlertRule,
    EscalationLevel,
    EscalationPolicy,
    Incident,
    IncidentState,
    Notification,
    Silence,
    TelegramAccount,
)
from .services import acknowledge_incident, resolve_incident


class AuditedAdmin(ServiceAdmin):
    """Edits of alerting configuration, each saved or deleted with its audit entry."""

    def save_with(self, obj: Any, *, actor: str) -> None:
        save_audited(obj, actor=actor)

    def delete_with(self, obj: Any, *, actor: str) -> None:
        delete_audited(obj, actor=actor)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        actor = request.user.get_username()
        for obj in formset.save(commit=False):
            self.save_with(obj, actor=actor)
        for obj in formset.deleted_objects:
            self.delete_with(obj, actor=actor)
        formset.save_m2m()


class AlertRuleForm(forms.ModelForm):
    class Meta:
        model = AlertRule
        fields = (
            "name",
            "description",
            "enabled",
            "event_type",
            "conditions",
            "threshold",
            "window_seconds",
            "severity",
            "group_by",
            "summary",
            "repeat_interval_seconds",
            "resolve_after_seconds",
            "escalation_policy",
        )

    def clean_conditions(self) -> list:
        conditions = self.cleaned_data["conditions"]
        try:
            check_conditions(conditions)
        except InvalidCondition as exc:
            raise forms.ValidationError(str(exc)) from exc
        return conditions

    def clean(self) -> dict:
        data = super().clean()
        for name in ("summary", "group_by"):
            try:
                check_template(data.get(name) or "")
            except InvalidCondition as exc:
                self.add_error(name, str(exc))
        if (data.get("threshold") is None) != (data.get("window_seconds") is None):
            raise forms.ValidationError("A threshold needs a window, and a window needs a threshold.")
        return data


@admin.register(AlertRule)
class AlertRuleAdmin(AuditedAdmin):
    form = AlertRuleForm
    list_display = ("name", "event_type", "severity", "threshold", "window_seconds", "escalation_policy", "enabled")
    list_filter = ("event_type", "severity", "enabled")
    search_fields = ("name", "description")


class EscalationLevelInline(admin.TabularInline):
    model = EscalationLevel
    extra = 0


@admin.register(EscalationPolicy)
class EscalationPolicyAdmin(AuditedAdmin):
    list_display = ("name", "description")
    inlines = (EscalationLevelInline,)


@admin.register(Silence)
class SilenceAdmin(AuditedAdmin):
    list_display = ("__str__", "rule", "group_key", "starts_at", "ends_at", "reason", "created_by")
    readonly_fields = ("created_by", "created_at")

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {"starts_at": timezone.now(), **super().get_changeform_initial_data(request)}

    def save_model(self, request: HttpRequest, obj: Silence, form: Any, change: bool) -> None:
        obj.created_by = obj.created_by or request.user.get_username()
        super().save_model(request, obj, form, change)


class NotificationInline(admin.TabularInline):
    model = Notification
    fk_name = "incident"
    extra = 0
    fields = ("created_at", "chat_id", "kind", "status", "attempts", "sent_at", "last_error")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = (
        "opened_at",
        "severity",
        "state",
        "rule",
        "group_key",
        "match_count",
        "escalation_level",
        "acknowledged_by",
        "last_match_at",
    )
    list_filter = ("state", "severity", "rule")
    search_fields = ("summary", "group_key")
    list_select_related = ("rule",)
    readonly_fields = [*(field.name for field in Incident._meta.fields), "history"]
    inlines = (NotificationInline,)
    actions = ("acknowledge", "resolve")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="history (audit log)")
    def history(self, incident: Incident) -> str:
        return history_table(incident)

    def _act(self, request: HttpRequest, queryset: QuerySet[Incident], service: Any, verb: str) -> None:
        done = 0
        for incident in queryset:
            try:
                service(incident_id=incident.pk, actor=request.user.get_username())
            except IncidentStateError as exc:
                self.message_user(request, f"{incident}: {exc}", messages.WARNING)
                continue
            done += 1
        if done:
            self.message_user(request, f"{done} incident(s) {verb}d.", messages.SUCCESS)

    @admin.action(description="Acknowledge (stops escalation)", permissions=["change"])
    def acknowledge(self, request: HttpRequest, queryset: QuerySet[Incident]) -> None:
        self._act(request, queryset.filter(state=IncidentState.FIRING), acknowledge_incident, "acknowledge")

    @admin.action(description="Resolve", permissions=["change"])
    def resolve(self, request: HttpRequest, queryset: QuerySet[Incident]) -> None:
        self._act(request, queryset.exclude(state=IncidentState.RESOLVED), resolve_incident, "resolve")


@admin.register(TelegramAccount)
class TelegramAccountAdmin(AuditedAdmin):
    list_display = ("telegram_user_id", "user", "note")
    search_fields = ("user__username", "note")
