"""Production: DEBUG off, every secret from the environment, secure cookies. What makes production safe
is fixed here, whatever the environment says: DJANGO_DEBUG=true in a production environment must not
also turn off the webhook SSRF guard, open the sandbox provider or let the development secrets apply."""

import os

from django.core.exceptions import ImproperlyConfigured

os.environ.setdefault("DJANGO_DEBUG", "false")

from .base import *  # noqa: F403

DEBUG = False
WEBHOOK_ALLOW_PRIVATE_URLS = False  # an operator's own receivers go in WEBHOOK_ALLOWED_HOSTS
SANDBOX_PROVIDER_HTTP = False
for _name, _value in (("DJANGO_SECRET_KEY", SECRET_KEY), ("CARD_FINGERPRINT_KEY", CARD_FINGERPRINT_KEY)):
    if not _value.strip() or _value.startswith("dev-only"):
        raise ImproperlyConfigured(f"{_name} is empty or a development default: production refuses to start.")

SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
# Every staff user signs in with a second factor (PCI DSS 8.4); no switch turns it off in production.
ADMIN_MFA_REQUIRED = True
# Rule changes need a second Risk admin's approval; no switch turns it off in production.
FRAUD_RULES_MAKER_CHECKER = True

# TLS ends at the reverse proxy (config/nginx/nginx.conf), which sets X-Forwarded-Proto itself (a
# client's own header is overwritten), so Django knows a request came over HTTPS.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Browsers keep to HTTPS for this long after one secure response (Django sends it on HTTPS only).
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# The proxy answers plain HTTP with a redirect to HTTPS. Django does not redirect as well by default:
# the web replicas' own port is plain HTTP for health checks, Prometheus and the internal network.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_REDIRECT_EXEMPT = [r"^health$", r"^ready$", r"^metrics$"]
SILENCED_SYSTEM_CHECKS = [
    *SILENCED_SYSTEM_CHECKS,
    *([] if SECURE_SSL_REDIRECT else ["security.W008"]),  # the redirect is the proxy's (see above)
    # Preloading is the operator's call: a domain on the browsers' preload list is hard to take off.
    *([] if SECURE_HSTS_PRELOAD else ["security.W021"]),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
