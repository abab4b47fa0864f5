"""The delivery engine: lease due messages fairly, send each in a task of its own with a hard time limit,
record what happened. Channels only say how to send one message and what to do when one fails for good.

- **Leases, not locks.** `dispatch` leases up to a batch of due messages (a token and an expiry) in one
  short transaction and queues one send task per message. A send starts only while the lease it was
  given is still held, and starting renews it past the attempt's deadline and the task's hard time
  limit: a message is never sent by two workers at once, and a late duplicate task does nothing.
- **Counted before sending.** Starting an attempt commits `attempts + 1`, so a worker killed mid-send
  still counts; the next dispatch finds its expired lease, records the attempt as lost and backs off,
  or gives up once the retry window has passed (a webhook endpoint is then disabled).
- **Fair.** At most `max_in_flight` messages per target (an endpoint, a chat) are leased at a time, so one
  dead receiver holds at most that many sender processes; leasing is serialised per channel (a
  PostgreSQL advisory lock) so the bound holds with several beat ticks and workers. A send that ends
  hands its lease over to the next due message of its own target in the same transaction (the count
  does not change, so no lock is needed), so a busy receiver is served at its bound without waiting
  for the next dispatch.
"""

import logging
import random
import time
import uuid
import zlib
from datetime import datetime, timedelta

from celery import current_app
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from .channels import Attempt, Channel, Policy
from .metrics import ATTEMPT_SECONDS, ATTEMPTS
from .models import OutboundMessage

logger = logging.getLogger(__name__)

SEND_TASK = "outbound.tasks.send_message"
DISPATCH_TASK = "outbound.tasks.dispatch_messages"
# A started attempt's lease outlasts its deadline by this much; the task's hard time limit comes first.
LEASE_MARGIN_SECONDS = 30.0
TIME_LIMIT_MARGIN_SECONDS = 10.0
LOST = "the attempt did not finish: its sender was stopped (killed, or over its time limit)"


def backoff_seconds(policy: Policy, attempts: int) -> float:
    """Exponential from the base, capped, with jitter in its upper half ("equal jitter"): retries of many
    messages to one recovered receiver spread out, and none comes sooner than half its step."""
    ceiling = min(policy.backoff_max_seconds, policy.backoff_base_seconds * 2 ** max(attempts - 1, 0))
    return random.uniform(ceiling / 2, ceiling)


def time_limit_seconds(policy: Policy) -> float:
    return policy.deadline_seconds + TIME_LIMIT_MARGIN_SECONDS


def dispatch(channel: Channel, *, limit: int | None = None) -> int:
    """Lease the channel's due messages (up to `limit`) and queue a send for each; returns how many."""
    now, token, policy = timezone.now(), uuid.uuid4(), Policy.of(channel.name)
    with transaction.atomic():
        _serialise(channel)
        _recover_lost(channel, policy=policy, now=now)
        picked = _pick_due(channel, policy=policy, now=now, limit=limit or settings.OUTBOUND_DISPATCH_BATCH)
        if picked:
            _lease(channel.model.objects.filter(pk__in=picked), token=token, now=now)
    for message_id in picked:
        _queue_send(channel, message_id, policy=policy, token=token, manual=False)
    return len(picked)


def send_now(channel: Channel, message_id: object) -> bool:
    """Queue one more attempt of a message now, whatever its status (an operator's or merchant's retry):
    False when it is already queued or being sent. A manual attempt that fails changes no schedule."""
    token = uuid.uuid4()
    leased = _lease(channel.model.objects.filter(pk=message_id), token=token, now=timezone.now())
    if leased:
        _queue_send(channel, message_id, policy=Policy.of(channel.name), token=token, manual=True)
    return bool(leased)


def _lease(messages: QuerySet, *, token: uuid.UUID, now: datetime) -> int:
    """Lease those of the messages nobody holds to `token`, queued for a sender; returns how many."""
    return messages.filter(lease_token__isnull=True).update(
        lease_token=token, lease_until=now + timedelta(seconds=settings.OUTBOUND_QUEUE_LEASE_SECONDS)
    )


def dispatch_soon(channel_name: str) -> None:
    """Ask a delivery worker to dispatch now (after new messages commit); beat's tick is the safety net,
    and the only sender where OUTBOUND_DISPATCH_ON_COMMIT is off (no broker: see the setting)."""
    if not settings.OUTBOUND_DISPATCH_ON_COMMIT:
        return
    try:
        current_app.signature(DISPATCH_TASK, args=(channel_name,)).delay()
    except Exception:  # noqa: BLE001 - broker down: the periodic dispatch sends them
        logger.warning("could not queue a %s dispatch; the periodic one will send", channel_name)


def send(channel: Channel, *, message_id: str, token: uuid.UUID, manual: bool = False) -> bool:
    """One attempt of a leased message; returns whether it was delivered. Does nothing unless the lease
    is still this token's and no attempt of it has started."""
    policy = Policy.of(channel.name)
    now = timezone.now()
    started = channel.model.objects.filter(pk=message_id, lease_token=token, lease_until__gt=now, sending=False).update(
        sending=True,
        attempts=F("attempts") + 1,
        last_attempt_at=now,
        lease_until=now + timedelta(seconds=policy.deadline_seconds + LEASE_MARGIN_SECONDS),
    )
    if not started:
        return False
    message = channel.load(message_id)
    began = time.monotonic()
    try:
        outcome = channel.attempt(message, deadline_seconds=policy.deadline_seconds)
    except Exception as exc:  # a fault in the channel's code must not leave the message leased
        logger.exception("%s message %s: the attempt raised", channel.name, message_id)
        outcome = Attempt(delivered=False, error=f"internal error while sending ({type(exc).__name__})")
    ATTEMPT_SECONDS.labels(channel=channel.name).observe(time.monotonic() - began)
    # In-process tasks (eager) would recurse through the whole backlog: there the dispatch loop serves it.
    hand_over = not manual and not current_app.conf.task_always_eager
    following = _record(channel, message, outcome, policy=policy, token=token, manual=manual, hand_over=hand_over)
    if following is not None:
        _queue_send(channel, following[0], policy=policy, token=following[1], manual=False)
    return outcome.delivered


def _lease_following(channel: Channel, message: OutboundMessage, *, now: datetime) -> tuple[object, uuid.UUID] | None:
    """Lease the next due message of the message's own target, in the transaction that releases its lease:
    the target's count of leased messages never changes, so no count or lock is needed for its bound."""
    model = channel.model
    mine = model.objects.filter(**{channel.target_field: getattr(message, channel.target_field)})
    due = channel.due(mine.filter(status=model.STATUS_PENDING, next_attempt_at__lte=now, lease_token__isnull=True))
    following = (
        due.select_for_update(skip_locked=True, of=("self",))
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)
        .first()
    )
    token = uuid.uuid4()
    leased = following is not None and _lease(model.objects.filter(pk=following), token=token, now=now)
    return (following, token) if leased else None


def _record(
    channel: Channel,
    message: OutboundMessage,
    outcome: Attempt,
    *,
    policy: Policy,
    token: uuid.UUID,
    manual: bool,
    label: str | None = None,
    hand_over: bool = False,
) -> tuple[object, uuid.UUID] | None:
    """Record the outcome and release the lease; with `hand_over`, lease the target's next due message in
    the same transaction and return it (to be queued)."""
    model, now = channel.model, timezone.now()
    columns = {"sending": False, "lease_token": None, "lease_until": None, "last_error": outcome.error[:500]}
    columns |= outcome.recorded
    gave_up = False
    if outcome.delivered:
        columns |= {"status": model.STATUS_DELIVERED, "next_attempt_at": None}
        label = "delivered"
    elif manual:
        label = label or "retry"  # an extra attempt on request: the message keeps its schedule
    elif outcome.permanent or _age_seconds(message, now) >= policy.retry_window_seconds:
        columns |= {"status": model.STATUS_FAILED, "next_attempt_at": None}
        gave_up, label = True, "failed"
    else:
        delay = outcome.retry_after if outcome.retry_after is not None else backoff_seconds(policy, message.attempts)
        columns["next_attempt_at"] = now + timedelta(seconds=max(delay, 1.0))
        label = label or "retry"
    following = None
    with transaction.atomic():
        recorded = model.objects.filter(pk=message.pk, lease_token=token).update(**columns)
        if recorded and gave_up:
            channel.gave_up(message, reason=outcome.error)
        if recorded and hand_over:
            following = _lease_following(channel, message, now=now)
    for name, value in columns.items():
        setattr(message, name, value)
    ATTEMPTS.labels(channel=channel.name, outcome=label).inc()
    if not outcome.delivered:
        logger.info("%s message %s: %s (attempt %d)", channel.name, message.pk, outcome.error, message.attempts)
    return following


def _age_seconds(message: OutboundMessage, now: datetime) -> float:
    return (now - message.created_at).total_seconds()  # type: ignore[attr-defined]


def _serialise(channel: Channel) -> None:
    """One dispatch per channel at a time (until the transaction ends), so in-flight counts stay true."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [zlib.crc32(f"outbound:{channel.name}".encode())])


def _recover_lost(channel: Channel, *, policy: Policy, now: datetime) -> None:
    """Leases that ran out: a queued send that never started is simply due again; an attempt that started
    and never recorded its outcome (its worker died or hit the time limit) is recorded as failed."""
    expired = channel.model.objects.filter(lease_token__isnull=False, lease_until__lte=now)
    expired.filter(sending=False).update(lease_token=None, lease_until=None)
    for message in expired.filter(sending=True):
        lost = Attempt(delivered=False, error=LOST)
        _record(channel, message, lost, policy=policy, token=message.lease_token, manual=False, label="lost")


def _pick_due(channel: Channel, *, policy: Policy, now: datetime, limit: int) -> list[object]:
    """Due messages, oldest first, at most `max_in_flight` leased per target counting those in flight."""
    model, target, cap = channel.model, channel.target_field, policy.max_in_flight
    in_flight = dict(
        model.objects.filter(lease_token__isnull=False)
        .values(target)
        .annotate(leased=Count("pk"))
        .values_list(target, "leased")
    )
    due = channel.due(
        model.objects.filter(status=model.STATUS_PENDING, next_attempt_at__lte=now, lease_token__isnull=True)
    )
    ranked = (
        due.annotate(
            rank=Window(RowNumber(), partition_by=[F(target)], order_by=[F("next_attempt_at").asc(), F("pk").asc()])
        )
        .filter(rank__lte=cap)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", target, "rank")
    )
    # Rows of targets already in flight are dropped below: fetch enough to fill the batch regardless.
    candidates = ranked[: limit + sum(in_flight.values())]
    return [pk for pk, key, rank in candidates if rank + in_flight.get(key, 0) <= cap][:limit]


def _queue_send(channel: Channel, message_id: object, *, policy: Policy, token: uuid.UUID, manual: bool) -> None:
    try:
        current_app.signature(SEND_TASK, args=(channel.name, str(message_id), str(token), manual)).apply_async(
            time_limit=time_limit_seconds(policy)
        )
    except Exception:  # noqa: BLE001 - broker down: the lease runs out and the next dispatch queues it again
        logger.warning("could not queue %s message %s; it goes out after its lease expires", channel.name, message_id)
