"""Idempotency-Key handling: one payment per key, the first response replayed to every retry.

The key's record is written in the same atomic insert as the payment, already holding its response.
A concurrent duplicate waits on the key's unique index until the first request commits, then finds
the record and replays it; if the first request failed, nothing was written and the duplicate
proceeds. A stored response therefore always has its payment, and a failed request frees its key.
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

from .cards import fingerprint
from .errors import IdempotencyKeyReused, IdempotencyRequestInFlight
from .models import IdempotencyRecord, Merchant, Transaction

Render = Callable[[Any], tuple[int, dict[str, Any]]]  # a payment or refund → (status, body)


@dataclass(frozen=True, slots=True)
class IdempotentResult:
    status: int
    body: dict[str, Any]
    replayed: bool


@dataclass(slots=True)
class IdempotentCreate:
    """What a create service needs to store the key's record together with what it creates."""

    merchant: Merchant
    key: str
    fingerprint: str
    render: Render  # the response the first request gets, stored for the retries
    response: tuple[int, dict[str, Any]] | None = None

    def completed_record(self, result: Any) -> IdempotencyRecord:
        status, body = self.response = self.render(result)
        now = timezone.now()
        return IdempotencyRecord(
            merchant=self.merchant,
            key=self.key,
            request_fingerprint=self.fingerprint,
            response_status=status,
            response_body=body,
            created_at=now,
            completed_at=now,
        )


CARD_SECRETS = ("card_number", "cvv")


def _canonical(value: Any) -> str:
    # 10.5 and 10.50 are the same amount, so the same request.
    return str(value.normalize()) if isinstance(value, Decimal) else str(value)


def request_fingerprint(payload: dict[str, Any]) -> str:
    """Keyed hash of the validated request, to tell a retry from another request under the same key. The
    card number enters only as its card fingerprint and the CVV not at all: a hash over the PAN, whose
    BIN and last 4 are stored, leaves some 10^8 guesses to whoever holds the key, and PCI DSS 3.3.1.2
    forbids keeping the CVV in any form. A retry with another CVV is the same request, as at Stripe."""
    safe = {name: value for name, value in payload.items() if name not in CARD_SECRETS}
    if payload.get("card_number"):
        safe["card_fingerprint"] = fingerprint(str(payload["card_number"]))
    canonical = json.dumps(safe, sort_keys=True, default=_canonical, separators=(",", ":"))
    return hmac.new(settings.SECRET_KEY.encode(), canonical.encode(), hashlib.sha256).hexdigest()


class _Stale(Exception):
    """The key's record had outlived its use and was removed: the request may try again."""


def _stored_result(request: IdempotentCreate) -> IdempotentResult | None:
    """The response stored under the key; None when the key has no record. Raises _Stale after removing one."""
    existing = IdempotencyRecord.objects.filter(merchant=request.merchant, key=request.key).first()
    if existing is None:
        return None
    now = timezone.now()
    expired = existing.created_at < now - timedelta(seconds=settings.IDEMPOTENCY_KEY_TTL_SECONDS)
    abandoned = not existing.is_completed and existing.created_at < now - timedelta(
        seconds=settings.IDEMPOTENCY_IN_FLIGHT_TIMEOUT_SECONDS
    )
    if expired or abandoned:
        IdempotencyRecord.objects.filter(pk=existing.pk, created_at=existing.created_at).delete()
        raise _Stale
    if existing.request_fingerprint != request.fingerprint:
        raise IdempotencyKeyReused(param="Idempotency-Key")
    if not existing.is_completed:  # a claim without a response (written by an earlier release)
        raise IdempotencyRequestInFlight(param="Idempotency-Key")
    return IdempotentResult(status=existing.response_status, body=existing.response_body, replayed=True)


def run_idempotent(*, request: IdempotentCreate, create: Callable[[IdempotentCreate], Transaction]) -> IdempotentResult:
    """Create once per (merchant, key) and replay the stored response to identical retries."""
    for _ in range(2):
        try:
            tx = create(request)
        except IntegrityError:
            try:
                stored = _stored_result(request)
            except _Stale:
                continue
            if stored is None:  # not the key that conflicted
                raise
            return stored
        status, body = request.response or request.render(tx)
        return IdempotentResult(status=status, body=body, replayed=False)
    raise IdempotencyRequestInFlight(param="Idempotency-Key")


def run_once(
    *, render: Render, request: IdempotentCreate | None, lock: Callable[[], Any], change: Callable[[Any], Any]
) -> IdempotentResult:
    """A change to an existing object (capture, cancel, refund), at most once per Idempotency-Key.

    `lock` takes the object's row lock, which serialises requests on it: a retry with the key waits
    for the first to commit, then finds its stored response. The response (`render` of what `change`
    returns) is stored in the same database transaction as the change.
    """
    for _ in range(2):
        try:
            with transaction.atomic():
                locked = lock()
                if request is not None:
                    try:
                        if (stored := _stored_result(request)) is not None:
                            return stored
                    except _Stale:  # removed in this transaction: the key is free again
                        pass
                result = change(locked)
                if request is None:
                    status, body = render(result)
                    return IdempotentResult(status=status, body=body, replayed=False)
                record = request.completed_record(result)
                record.save()
                return IdempotentResult(status=record.response_status, body=record.response_body, replayed=False)
        except IntegrityError:  # the key was first used on another payment or endpoint
            if request is None:
                raise
            try:
                stored = _stored_result(request)
            except _Stale:
                continue
            if stored is None:
                raise
            return stored
    raise IdempotencyRequestInFlight(param="Idempotency-Key")


def restore_response(request: IdempotentCreate | None, result: Any) -> None:
    """Store the final response under the key, for a change finished after its first write (a refund
    answered by the provider after it was reserved). Call inside the finishing transaction."""
    if request is None:
        return
    status, body = request.render(result)
    IdempotencyRecord.objects.filter(merchant=request.merchant, key=request.key).update(
        response_status=status, response_body=body
    )


def purge_expired_keys() -> int:
    expired_before = timezone.now() - timedelta(seconds=settings.IDEMPOTENCY_KEY_TTL_SECONDS)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=expired_before).delete()
    return deleted
