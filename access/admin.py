"""Locked-out logins: who, from where, how many failures; a Risk admin unlocks them here."""

from axes.models import AccessAttempt
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from .services import unlock


@admin.register(AccessAttempt)
class AccessAttemptAdmin(admin.ModelAdmin):
    list_display = ("username", "ip_address", "failures_since_start", "attempt_time", "path_info")
    search_fields = ("username", "ip_address")
    fields = list_display
    readonly_fields = list_display
    actions = ("unlock_selected",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AccessAttempt | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AccessAttempt | None = None) -> bool:
        return False  # unlock instead: it is audited

    @admin.action(description="Unlock (forget their failed logins)", permissions=["view"])
    def unlock_selected(self, request: HttpRequest, queryset: QuerySet[AccessAttempt]) -> None:
        if not request.user.has_perm("axes.delete_accessattempt"):
            self.message_user(request, "You may not unlock logins.", messages.ERROR)
            return
        attempts = list(queryset)
        for attempt in attempts:
            unlock(attempt=attempt, actor=request.user.get_username())
        self.message_user(request, f"Unlocked {len(attempts)} login(s).", messages.SUCCESS)
