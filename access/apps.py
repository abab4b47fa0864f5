from django.apps import AppConfig


class AccessConfig(AppConfig):
    """Back-office access: failed logins, lockouts and their unlocking, console session limits."""

    name = "access"
    verbose_name = "Back-office access"

    def ready(self) -> None:
        from . import signals  # noqa: F401 - audits lockouts, counts failed logins
