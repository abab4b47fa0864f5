from django.contrib import admin
from django.http import HttpRequest

from .models import OutboxEvent


@admin.register(OutboxEvent)
class OutboxEventAdmin(admin.ModelAdmin):
    list_display = ("id", "event_type", "topic", "key", "created_at", "published_at")
    list_filter = ("event_type", "topic")
    readonly_fields = ("event_id", "topic", "key", "event_type", "envelope", "created_at", "published_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: OutboxEvent | None = None) -> bool:
        return False  # an unpublished event deleted is an event lost; retention.py prunes published ones
