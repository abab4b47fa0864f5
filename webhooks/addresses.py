"""Which URLs may receive webhooks. In production only https:// URLs whose host resolves to public
addresses, unless the host is listed in WEBHOOK_ALLOWED_HOSTS (the operator's own receivers, which may
use plain http inside their network): a merchant cannot make payproc call into
its own private network (SSRF). Checked when an endpoint is saved; every attempt checks the shape again and
connects only to an address its own resolution accepted (outbound/http.py)."""

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings

from outbound.addresses import AddressRefused, NonPublicAddress, resolve

from .errors import WebhookUrlRefused


def check_url_shape(url: str) -> None:
    """The URL is absolute http(s), carries no credentials and, in production, uses https (but for a host
    listed in WEBHOOK_ALLOWED_HOSTS)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises for a port out of range
        if parts.hostname and url.split("//", 1)[-1].startswith("["):
            ipaddress.IPv6Address(parts.hostname)  # raises for "[0]" and other non-addresses in brackets
    except ValueError:
        raise WebhookUrlRefused("url is not a valid URL.", param="url") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookUrlRefused("url must be an absolute http(s) URL.", param="url")
    if parts.username or parts.password:
        raise WebhookUrlRefused("url must not carry a user name or password.", param="url")
    if public_only(url) and parts.scheme != "https":
        raise WebhookUrlRefused("url must use https.", param="url")


def public_only(url: str) -> bool:
    """Whether the URL's host must resolve to public addresses only."""
    return not settings.WEBHOOK_ALLOW_PRIVATE_URLS and urlsplit(url).hostname not in settings.WEBHOOK_ALLOWED_HOSTS


def check_url(url: str) -> None:
    """All of the above, and the host resolves (to public addresses only, in production)."""
    check_url_shape(url)
    parts = urlsplit(url)
    if not public_only(url):
        return
    try:
        resolve(parts.hostname or "", parts.port or 443, public_only=True)
    except NonPublicAddress as exc:
        raise WebhookUrlRefused(
            f"url {exc.message} List it in WEBHOOK_ALLOWED_HOSTS to allow it.", param="url"
        ) from None
    except AddressRefused as exc:
        raise WebhookUrlRefused(f"url {exc.message}", param="url") from None
