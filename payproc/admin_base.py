"""ModelAdmin bases shared by the apps' admins."""

from typing import Any

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest


class ReadOnlyAdmin(admin.ModelAdmin):
    """Lists and detail pages only: nobody adds, changes or deletes here, superusers included."""

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class ServiceAdmin(admin.ModelAdmin):
    """Saves and deletes go through the app's service (which validates and audits), as the signed-in
    user; a bulk delete calls the service once per row. Subclasses say which service."""

    def save_with(self, obj: Any, *, actor: str) -> None:
        raise NotImplementedError

    def delete_with(self, obj: Any, *, actor: str) -> None:
        raise NotImplementedError

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        self.save_with(obj, actor=request.user.get_username())

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self.delete_with(obj, actor=request.user.get_username())

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Model]) -> None:
        for obj in queryset:
            self.delete_model(request, obj)
