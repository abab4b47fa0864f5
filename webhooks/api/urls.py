from django.urls import path

from .views import DeliveriesView, EndpointsView, EndpointView, RetryDeliveryView, RotateSecretView

urlpatterns = [
    path("webhook_endpoints", EndpointsView.as_view(), name="webhook-endpoints"),
    path("webhook_endpoints/<uuid:endpoint_id>", EndpointView.as_view(), name="webhook-endpoint"),
    path("webhook_endpoints/<uuid:endpoint_id>/rotate_secret", RotateSecretView.as_view(), name="webhook-rotate"),
    path("webhook_endpoints/<uuid:endpoint_id>/deliveries", DeliveriesView.as_view(), name="webhook-deliveries"),
    path("webhook_deliveries/<uuid:delivery_id>/retry", RetryDeliveryView.as_view(), name="webhook-retry"),
]
