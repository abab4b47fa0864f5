"""Locked-out logins (a Risk admin unlocks them) and staff users (an administrator resets a lost
second factor)."""

from axes.models import AccessAttempt
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.services import record
from payproc.admin_base import ReadOnlyAdmin

from . import mfa
from .audited_admin import GROUP_FIELDS, USER_FIELDS, AuditedChanges
from .models import Authenticator
from .reauth import RecentSignInRequired, unless_stale
from .services import unlock


@admin.register(AccessAttempt)
class AccessAttemptAdmin(ReadOnlyAdmin):
    """Read-only, deletes included: unlock instead, which is audited."""

    list_display = ("username", "ip_address", "failures_since_start", "attempt_time", "path_info")
    search_fields = ("username", "ip_address")
    fields = list_display
    readonly_fields = list_display
    actions = ("unlock_selected",)

    def has_unlock_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("axes.delete_accessattempt")

    @admin.action(description="Unlock (forget their failed logins)", permissions=["unlock"])
    def unlock_selected(self, request: HttpRequest, queryset: QuerySet[AccessAttempt]) -> None:
        accounts = {attempt.username: attempt for attempt in queryset}  # an account unlocks as a whole
        for attempt in accounts.values():
            unlock(attempt=attempt, actor=request.user.get_username())
        self.message_user(request, f"Unlocked {len(accounts)} account(s).", messages.SUCCESS)


# An authenticator's secret and the recovery codes are credentials: no admin page shows them (django-otp
# registers its own). A lost phone is handled from the user's row instead: reset, audited.
admin.site.unregister(TOTPDevice)
admin.site.unregister(StaticDevice)
admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class StaffUserAdmin(RecentSignInRequired, AuditedChanges, UserAdmin):
    """Staff users: every change needs a recent sign-in and is audited (who may do what is itself a
    sensitive change)."""

    list_display = (*UserAdmin.list_display, "two_factor")
    actions = ("reset_two_factor",)
    audited_fields = USER_FIELDS

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        return unless_stale(request, self._change_password_audited, id, form_url)

    def _change_password_audited(self, request: HttpRequest, id: str, form_url: str) -> HttpResponse:
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and isinstance(response, HttpResponseRedirect):
                record(actor=request.user.get_username(), action="user.password", target=User.objects.get(pk=id))
        return response

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        enrolled = Authenticator.objects.filter(user=OuterRef("pk"), confirmed=True)
        return super().get_queryset(request).annotate(enrolled=Exists(enrolled))

    @admin.display(description="two-factor", boolean=True, ordering="enrolled")
    def two_factor(self, user: User) -> bool:
        return user.enrolled

    @admin.action(description="Reset two-factor sign-in (the user enrols again)", permissions=["change"])
    def reset_two_factor(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        users = list(queryset)
        for user in users:
            mfa.reset(user, actor=request.user.get_username())
        self.message_user(request, f"Reset two-factor sign-in of {len(users)} user(s).", messages.SUCCESS)


@admin.register(Group)
class AuditedGroupAdmin(RecentSignInRequired, AuditedChanges, GroupAdmin):
    audited_fields = GROUP_FIELDS
