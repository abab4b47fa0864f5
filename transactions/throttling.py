"""Rate limits on the `limits` library (moving window; Redis, or memory in the embedded default).

When the limit store is unreachable the limiter lets requests through: a Redis outage must not
stop payments. That choice is logged.
"""

import logging
import time
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache
from limits import RateLimitItem, parse, storage, strategies
from redis.exceptions import NoScriptError
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

if TYPE_CHECKING:  # rest_framework.views imports the throttle settings: avoid the cycle
    from rest_framework.views import APIView

logger = logging.getLogger(__name__)
_NOT_COUNTED = object()


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


def _shared_redis(limiter: strategies.MovingWindowRateLimiter) -> Any | None:
    """The Redis client when the limits and the shared cache live in the same Redis database, else None."""
    if not isinstance(limiter.storage, storage.RedisStorage) or not hasattr(cache, "client"):
        return None
    if settings.RATE_LIMIT_STORAGE_URL != settings.REDIS_URL:
        return None
    return limiter.storage.get_connection()


def hit_and_read(*, rate: str, bucket: str, identity: str, cache_key: str) -> tuple[float | None, Any]:
    """`hit`, and the shared cache's value under `cache_key`, in one Redis round trip where both share a Redis.

    The moving window is the `limits` library's own Lua script (by its SHA), sent in a pipeline beside the
    GET; the value is decoded as the cache backend (django-redis) stored it. Elsewhere: two calls.
    """
    limiter, item = _limiter(settings.RATE_LIMIT_STORAGE_URL), _rate(rate)
    redis = _shared_redis(limiter)
    if redis is None:
        return hit(rate=rate, bucket=bucket, identity=identity), cache.get(cache_key)
    moving_window = limiter.storage
    pipeline = redis.pipeline(transaction=False)
    pipeline.get(cache.client.make_key(cache_key))
    pipeline.evalsha(
        moving_window.lua_acquire_moving_window.sha,
        1,
        moving_window.prefixed_key(item.key_for(bucket, identity)),
        time.time(),
        item.amount,
        item.get_expiry(),
        1,
    )
    try:
        raw, acquired = pipeline.execute(raise_on_error=False)
        if isinstance(raw, Exception):
            raise raw
        value = cache.client.decode(raw) if raw is not None else None
        if isinstance(acquired, NoScriptError):  # Redis restarted: `hit` loads the script again
            return hit(rate=rate, bucket=bucket, identity=identity), value
        if isinstance(acquired, Exception):
            raise acquired
        if acquired:
            return None, value
        reset_at = limiter.get_window_stats(item, bucket, identity).reset_time
    except Exception:
        logger.warning("rate limit store unavailable; request allowed", exc_info=True)
        return None, None
    return max(1.0, reset_at - time.time()), value


class ApiKeyRateThrottle(BaseThrottle):
    """Per API key: every merchant key has its own bucket, whatever address it calls from.

    `ApiKeyAuthentication` counts the request in the round trip that checks the key (`rate_limit_wait` on
    the request); other authentication is counted here.
    """

    def allow_request(self, request: Request, view: "APIView") -> bool:
        if request.auth is None:
            return True
        counted = getattr(request._request, "rate_limit_wait", _NOT_COUNTED)
        if counted is _NOT_COUNTED:
            counted = hit(rate=settings.RATE_LIMIT_PER_API_KEY, bucket="api_key", identity=str(request.auth.pk))
        self.retry_after = counted
        return self.retry_after is None

    def wait(self) -> float | None:
        return self.retry_after
