"""Locked-out logins: who, from where, how many failures; a Risk admin unlocks them here."""

from axes.models import AccessAttempt
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from payproc.admin_base import ReadOnlyAdmin

from .services import unlock


@admin.register(AccessAttempt)
class AccessAttemptAdmin(ReadOnlyAdmin):
    """Read-only, deletes included: unlock instead, which is audited."""

    list_display = ("username", "ip_address", "failures_since_start", "attempt_time", "path_info")
    search_fields = ("username", "ip_address")
    fields = list_display
    readonly_fields = list_display
    actions = ("unlock_selected",)

    @admin.action(description="Unlock (forget their failed logins)", permissions=["view"])
    def unlock_selected(self, request: HttpRequest, queryset: QuerySet[AccessAttempt]) -> None:
        if not request.user.has_perm("axes.delete_accessattempt"):
            self.message_user(request, "You may not unlock logins.", messages.ERROR)
            return
        attempts = list(queryset)
        for attempt in attempts:
            unlock(attempt=attempt, actor=request.user.get_username())
        self.message_user(request, f"Unlocked {len(attempts)} login(s).", messages.SUCCESS)
