"""Which URLs may receive webhooks. In production only https:// URLs whose host resolves to public
addresses, unless the host is listed in WEBHOOK_ALLOWED_HOSTS: a merchant cannot make payproc call into
its own private network (SSRF). Checked when an endpoint is saved and again before every delivery."""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings

from .errors import WebhookUrlRefused


def check_url(url: str) -> None:
    try:
        parts = urlsplit(url)
        port = parts.port  # raises for a port out of range
        if parts.hostname and url.split("//", 1)[-1].startswith("["):
            ipaddress.IPv6Address(parts.hostname)  # raises for "[0]" and other non-addresses in brackets
    except ValueError:
        raise WebhookUrlRefused("url is not a valid URL.", param="url") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookUrlRefused("url must be an absolute http(s) URL.", param="url")
    if parts.username or parts.password:
        raise WebhookUrlRefused("url must not carry a user name or password.", param="url")
    if settings.WEBHOOK_ALLOW_PRIVATE_URLS:
        return
    if parts.scheme != "https":
        raise WebhookUrlRefused("url must use https.", param="url")
    if parts.hostname in settings.WEBHOOK_ALLOWED_HOSTS:
        return
    try:
        found = socket.getaddrinfo(parts.hostname, port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        raise WebhookUrlRefused(f"url host {parts.hostname} does not resolve.", param="url") from None
    for *_, address in found:
        ip = ipaddress.ip_address(address[0].split("%", 1)[0])
        if not ip.is_global:
            raise WebhookUrlRefused(
                f"url host {parts.hostname} resolves to a non-public address ({ip}); list it in "
                "WEBHOOK_ALLOWED_HOSTS to allow it.",
                param="url",
            )
