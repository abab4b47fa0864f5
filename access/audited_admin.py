"""Who may do what in the console is itself audited: every change to a staff user or a group (created,
edited, deleted, a password set) is an audit entry with the values before and after, in the same
database transaction as the change. Password hashes are never in it."""

from collections.abc import Iterable
from typing import Any

from django.db.models import Model, QuerySet
from django.http import HttpRequest

from audit.services import record, snapshot

USER_FIELDS = (
    "username",
    "first_name",
    "last_name",
    "email",
    "is_active",
    "is_staff",
    "is_superuser",
    "groups",
    "user_permissions",
)
GROUP_FIELDS = ("name", "permissions")
_BEFORE = "_audit_before"


class AuditedChanges:
    """For ModelAdmins: log_addition / log_change / log_deletions, which Django's admin calls once a
    change is saved (m2m included), also write the audit log."""

    audited_fields: Iterable[str] = ()

    def _values(self, obj: Model) -> dict[str, Any]:
        return snapshot(obj, fields=self.audited_fields)

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None) -> Model | None:
        obj = super().get_object(request, object_id, from_field)  # type: ignore[misc]
        if obj is not None:
            setattr(request, _BEFORE, self._values(obj))
        return obj

    def _action(self, verb: str) -> str:
        return f"{self.model._meta.model_name}.{verb}"  # type: ignore[attr-defined]

    def log_addition(self, request: HttpRequest, obj: Model, message: Any) -> Any:
        record(actor=request.user.get_username(), action=self._action("add"), target=obj, after=self._values(obj))
        return super().log_addition(request, obj, message)  # type: ignore[misc]

    def log_change(self, request: HttpRequest, obj: Model, message: Any) -> Any:
        before, after = getattr(request, _BEFORE, None), self._values(obj)
        if before != after:
            actor = request.user.get_username()
            record(actor=actor, action=self._action("change"), target=obj, before=before, after=after)
        return super().log_change(request, obj, message)  # type: ignore[misc]

    def log_deletions(self, request: HttpRequest, queryset: QuerySet) -> Any:
        actor = request.user.get_username()
        for obj in queryset:
            record(actor=actor, action=self._action("delete"), target=obj, before=self._values(obj))
        return super().log_deletions(request, queryset)  # type: ignore[misc]
