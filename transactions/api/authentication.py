"""`Authorization: Bearer sk_…` authentication, with failed attempts rate limited per client IP."""

from django.conf import settings
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request

from payproc.http.client_ip import client_ip
from transactions.key_cache import authenticate_and_count
from transactions.models import ApiKey, Merchant
from transactions.throttling import hit

_LAST_USED_GRANULARITY_SECONDS = 60


class ApiKeyAuthentication(BaseAuthentication):
    """Sets `request.user` to the merchant and `request.auth` to the API key."""

    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Merchant, ApiKey] | None:
        header = request.headers.get("Authorization", "")
        if not header:
            return None
        scheme, _, secret = header.partition(" ")
        secret = secret.strip()
        api_key, wait = authenticate_and_count(secret) if scheme.lower() == "bearer" and secret else (None, None)
        if api_key is None:
            # Only failures count, and only failures are refused: a merchant's valid key keeps working
            # when someone behind the same address guesses keys.
            wait = hit(
                rate=settings.RATE_LIMIT_FAILED_AUTH_PER_IP, bucket="failed_auth", identity=client_ip(request._request)
            )
            if wait is not None:
                raise exceptions.Throttled(wait=wait, detail="Too many failed authentication attempts.")
            raise exceptions.AuthenticationFailed("The API key is unknown or revoked.")
        self._touch(api_key)
        request._request.rate_limit_wait = wait  # for ApiKeyRateThrottle: counted in the same round trip
        return api_key.merchant, api_key

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="payproc"'

    @staticmethod
    def _touch(api_key: ApiKey) -> None:
        now = timezone.now()
        if (
            api_key.last_used_at is None
            or (now - api_key.last_used_at).total_seconds() > _LAST_USED_GRANULARITY_SECONDS
        ):
            ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
            api_key.last_used_at = now  # the cached copy too, so the next request does not write again
