"""Idempotency-Key handling: one payment per key, the first response replayed to every retry.

The key is claimed in its own committed row before the work starts, so a concurrent duplicate
sees the claim (409) instead of doing the work twice; the response is stored in the same database
transaction as the work, so a stored response always has its payment.
"""

import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from .errors import IdempotencyKeyReused, IdempotencyRequestInFlight
from .models import IdempotencyRecord, Merchant

Operation = Callable[[], tuple[int, dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class IdempotentResult:
    status: int
    body: dict[str, Any]
    replayed: bool


def _canonical(value: Any) -> str:
    # 10.5 and 10.50 are the same amount, so the same request.
    return str(value.normalize()) if isinstance(value, Decimal) else str(value)


def request_fingerprint(payload: dict[str, Any]) -> str:
    """Keyed hash of the validated request: card numbers go in, and cannot come back out."""
    canonical = json.dumps(payload, sort_keys=True, default=_canonical, separators=(",", ":"))
    return hmac.new(settings.SECRET_KEY.encode(), canonical.encode(), hashlib.sha256).hexdigest()


def _claim(*, merchant: Merchant, key: str, fingerprint: str) -> IdempotencyRecord | IdempotentResult:
    """Insert the claim row, or return the stored response of an earlier identical request."""
    now = timezone.now()
    expired_before = now - timedelta(seconds=settings.IDEMPOTENCY_KEY_TTL_SECONDS)
    abandoned_before = now - timedelta(seconds=settings.IDEMPOTENCY_IN_FLIGHT_TIMEOUT_SECONDS)
    for _ in range(2):
        try:
            with transaction.atomic():
                return IdempotencyRecord.objects.create(merchant=merchant, key=key, request_fingerprint=fingerprint)
        except IntegrityError:
            pass
        existing = IdempotencyRecord.objects.filter(merchant=merchant, key=key).first()
        if existing is None:
            continue  # deleted between our insert and read: try again
        stale = existing.created_at < expired_before or (
            not existing.is_completed and existing.created_at < abandoned_before
        )
        if stale:
            IdempotencyRecord.objects.filter(pk=existing.pk, created_at=existing.created_at).delete()
            continue
        if existing.request_fingerprint != fingerprint:
            raise IdempotencyKeyReused(param="Idempotency-Key")
        if not existing.is_completed:
            raise IdempotencyRequestInFlight(param="Idempotency-Key")
        return IdempotentResult(status=existing.response_status, body=existing.response_body, replayed=True)
    raise IdempotencyRequestInFlight(param="Idempotency-Key")


def run_idempotent(*, merchant: Merchant, key: str, fingerprint: str, operation: Operation) -> IdempotentResult:
    """Run `operation` once per (merchant, key) and replay its response to identical retries."""
    claimed = _claim(merchant=merchant, key=key, fingerprint=fingerprint)
    if isinstance(claimed, IdempotentResult):
        return claimed
    try:
        with transaction.atomic():
            status, body = operation()
            claimed.response_status, claimed.response_body = status, body
            claimed.completed_at = timezone.now()
            claimed.save(update_fields=["response_status", "response_body", "completed_at"])
    except BaseException:
        # Nothing was written: free the key so the client can retry (fixed) with the same key.
        IdempotencyRecord.objects.filter(pk=claimed.pk).delete()
        raise
    return IdempotentResult(status=status, body=body, replayed=False)


def purge_expired_keys() -> int:
    expired_before = timezone.now() - timedelta(seconds=settings.IDEMPOTENCY_KEY_TTL_SECONDS)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=expired_before).delete()
    return deleted
