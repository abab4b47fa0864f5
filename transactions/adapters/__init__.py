"""Payment provider adapters (the port in ports.py); PAYMENT_PROVIDER picks one."""

from django.conf import settings

from .ports import PaymentProvider


def get_provider() -> PaymentProvider:
    if settings.PAYMENT_PROVIDER == "sandbox":
        from .sandbox import SandboxProvider

        return SandboxProvider()
    if settings.PAYMENT_PROVIDER == "http":
        from .http_provider import HttpProvider

        return HttpProvider(base_url=settings.PROVIDER_HTTP_URL, api_key=settings.PROVIDER_HTTP_API_KEY)
    raise ValueError(f"unknown PAYMENT_PROVIDER {settings.PAYMENT_PROVIDER!r}")
