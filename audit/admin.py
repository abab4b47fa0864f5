from django.contrib import admin

from payproc.admin_base import ReadOnlyAdmin

from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """Read-only for everyone, superusers included."""

    list_display = ("at", "actor", "action", "object_type", "object_id", "note")
    list_filter = ("action", "object_type")
    search_fields = ("actor", "object_id", "note")
    date_hierarchy = "at"
