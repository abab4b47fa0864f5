"""Rate limits on the `limits` library (moving window; Redis, or memory in the embedded default).

When the limit store is unreachable the limiter lets requests through: a Redis outage must not
stop payments. That choice is logged.
"""

import logging
import time
from functools import lru_cache
from typing import TYPE_CHECKING

from django.conf import settings
from limits import RateLimitItem, parse, storage, strategies
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

if TYPE_CHECKING:  # rest_framework.views imports the throttle settings: avoid the cycle
    from rest_framework.views import APIView

logger = logging.getLogger(__name__)


@lru_cache(maxsize=4)
def _limiter(storage_url: str) -> strategies.MovingWindowRateLimiter:
    options = {"socket_timeout": 0.5, "socket_connect_timeout": 0.5} if storage_url.startswith("redis") else {}
    return strategies.MovingWindowRateLimiter(storage.storage_from_string(storage_url, **options))


@lru_cache(maxsize=16)
def _rate(rate: str) -> RateLimitItem:
    return parse(rate)


def hit(*, rate: str, bucket: str, identity: str) -> float | None:
    """Count one request; return None when allowed, else the seconds until it would be."""
    limiter, item = _limiter(settings.RATE_LIMIT_STORAGE_URL), _rate(rate)
    try:
        if limiter.hit(item, bucket, identity):
            return None
        reset_at = limiter.get_window_stats(item, bucket, identity).reset_time
    except Exception:
        logger.warning("rate limit store unavailable; request allowed", exc_info=True)
        return None
    return max(1.0, reset_at - time.time())


class ApiKeyRateThrottle(BaseThrottle):
    """Per API key: every merchant key has its own bucket, whatever address it calls from."""

    def allow_request(self, request: Request, view: "APIView") -> bool:
        if request.auth is None:
            return True
        self.retry_after = hit(rate=settings.RATE_LIMIT_PER_API_KEY, bucket="api_key", identity=str(request.auth.pk))
        return self.retry_after is None

    def wait(self) -> float | None:
        return self.retry_after
