"""The audit log: one append-only row per analyst or admin action (who, when, what, before, after)."""

from typing import Any

from .models import AuditEntry


def record(
    *,
    actor: str,
    action: str,
    target: Any,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str = "",
) -> AuditEntry:
    return AuditEntry.objects.create(
        actor=actor,
        action=action,
        object_type=target.__class__.__name__,
        object_id=str(target.pk),
        before=before,
        after=after,
        note=note[:1000],
    )


def notes_for(target: Any) -> list[AuditEntry]:
    """Everything recorded about one object, newest first."""
    return list(AuditEntry.objects.filter(object_type=target.__class__.__name__, object_id=str(target.pk)))
