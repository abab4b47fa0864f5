from django.apps import AppConfig


class AuditConfig(AppConfig):
    """The back-office audit log: one append-only trail that every app writes to."""

    name = "audit"
    default_auto_field = "django.db.models.BigAutoField"
