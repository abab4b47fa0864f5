from django.urls import path

from .views import AlertmanagerWebhookView, TelegramWebhookView

urlpatterns = [
    path("alerts/alertmanager", AlertmanagerWebhookView.as_view(), name="alertmanager-webhook"),
    path("alerts/telegram", TelegramWebhookView.as_view(), name="telegram-webhook"),
]
