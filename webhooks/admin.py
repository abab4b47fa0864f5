"""Merchants' webhook endpoints and deliveries: read-only but for enabling an endpoint again and
sending a delivery once more. Signing secrets are never shown."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from payproc.admin_base import ReadOnlyAdmin

from . import services
from .errors import DeliveryNotRetryable
from .models import EndpointStatus, WebhookDelivery, WebhookEndpoint


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ReadOnlyAdmin):
    list_display = ("url", "merchant", "status", "disabled_reason", "created_at")
    list_filter = ("status",)
    list_select_related = ("merchant",)
    search_fields = ("url", "=merchant__id", "merchant__name")
    fields = ("merchant", "url", "events", "description", "status", "disabled_reason", "created_at", "updated_at")
    readonly_fields = fields
    actions = ("enable_selected",)

    @admin.action(description="Enable (send again, pending deliveries first)", permissions=["view"])
    def enable_selected(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        endpoints = list(queryset.filter(status=EndpointStatus.DISABLED))
        for endpoint in endpoints:
            services.enable_endpoint(endpoint)
        self.message_user(request, f"Enabled {len(endpoints)} endpoint(s).", messages.SUCCESS)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ("event", "endpoint", "status", "attempts", "last_status_code", "next_attempt_at", "created_at")
    list_filter = ("status",)
    list_select_related = ("event", "endpoint")
    search_fields = ("=event__id", "endpoint__url")
    fields = (
        "event",
        "endpoint",
        "status",
        "attempts",
        "last_status_code",
        "last_error",
        "last_attempt_at",
        "next_attempt_at",
        "delivered_at",
        "created_at",
        "body",
    )
    readonly_fields = fields
    actions = ("retry_selected",)

    @admin.display(description="body sent")
    def body(self, delivery: WebhookDelivery) -> str:
        return delivery.event.body

    @admin.action(description="Send again now", permissions=["view"])
    def retry_selected(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        sent = 0
        for delivery in queryset.select_related("endpoint", "event"):
            try:
                sent += services.retry_delivery(delivery).status == "succeeded"
            except DeliveryNotRetryable as exc:
                self.message_user(request, f"{delivery}: {exc.message}", messages.WARNING)
        self.message_user(request, f"{sent} delivered.", messages.INFO)
