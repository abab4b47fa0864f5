"""Merchants' webhook endpoints and deliveries: read-only but for three actions, each audited as the
signed-in user and open only to those who may change webhooks: enable an endpoint again, expire its
signing secrets at once (a new one is made; the merchant rotates to get it), send deliveries once more
(queued: the page does not wait for the receiver). Signing secrets are never shown."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from payproc.admin_base import ReadOnlyAdmin

from . import services
from .errors import DeliveryNotRetryable
from .models import EndpointStatus, WebhookDelivery, WebhookEndpoint


class WebhookActionsAdmin(ReadOnlyAdmin):
    """The pages stay read-only; the actions need the model's change permission."""

    def has_act_permission(self, request: HttpRequest) -> bool:
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}")


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(WebhookActionsAdmin):
    list_display = ("url", "merchant", "status", "disabled_reason", "created_at")
    list_filter = ("status",)
    list_select_related = ("merchant",)
    search_fields = ("url", "=merchant__id", "merchant__name")
    fields = ("merchant", "url", "events", "description", "status", "disabled_reason", "created_at", "updated_at")
    readonly_fields = fields
    actions = ("enable_selected", "expire_secrets")

    @admin.action(description="Enable (send again, pending deliveries first)", permissions=["act"])
    def enable_selected(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        actor = request.user.get_username()
        enabled = sum(
            services.enable_endpoint(endpoint=endpoint, actor=actor)
            for endpoint in queryset.filter(status=EndpointStatus.DISABLED)
        )
        self.message_user(request, f"Enabled {enabled} endpoint(s).", messages.SUCCESS)

    @admin.action(description="Expire signing secrets now (a leaked secret)", permissions=["act"])
    def expire_secrets(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        actor = request.user.get_username()
        endpoints = list(queryset)
        for endpoint in endpoints:
            services.rotate_secret(endpoint=endpoint, actor=actor, expire_now=True)
        self.message_user(
            request,
            f"Expired the secrets of {len(endpoints)} endpoint(s); deliveries are signed with a new secret, "
            "which the merchant gets by rotating it (POST /webhook_endpoints/{id}/rotate_secret).",
            messages.WARNING,
        )


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(WebhookActionsAdmin):
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

    @admin.action(description="Send again now (queued)", permissions=["act"])
    def retry_selected(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        queued = 0
        for delivery in queryset.select_related("endpoint", "event"):
            try:
                services.retry_delivery(delivery=delivery, actor=request.user.get_username())
                queued += 1
            except DeliveryNotRetryable as exc:
                self.message_user(request, f"{delivery}: {exc.message}", messages.WARNING)
        self.message_user(request, f"{queued} queued to be sent again.", messages.INFO)
