"""Services that change payments. Each writes its history and outbox rows in the same DB transaction."""

import logging
from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from eventbus.outbox import enqueue_events, outbox_event, relay_after_commit

from . import cache, events, metrics
from .batch_reads import locked_by_ids
from .cards import check_cvv, check_not_expired, detect_brand, normalise_pan, summarise_card
from .errors import AmountInvalid, AmountTooLarge
from .idempotency import IdempotentCreate, IdempotentResult, Render, request_fingerprint, run_idempotent
from .models import CaptureMethod, Merchant, Status, Transaction, TransactionEvent
from .money import to_minor
from .rows import insert_together
from .state import check_transition

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Customer:
    email: str = ""
    ip: str | None = None
    country: str = ""


@dataclass(frozen=True, slots=True)
class PaymentRequest:
    """A validated payment request. `card_number` and `cvv` live only as long as this object."""

    amount: Decimal
    currency: str
    card_number: str = field(repr=False)
    expiry_month: int
    expiry_year: int
    cvv: str = field(repr=False)
    merchant_reference: str = ""
    description: str = ""
    customer: Customer = Customer()
    device_id: str = ""
    metadata: dict[str, str] = field(default_factory=dict)
    capture_method: str = CaptureMethod.AUTOMATIC


def amount_in_minor_units(*, amount: Decimal, currency: str) -> int:
    """Validate an amount for its currency and return it in minor units."""
    if amount <= 0:
        raise AmountInvalid("amount must be greater than zero.", param="amount")
    amount_minor = to_minor(amount, currency)
    if amount_minor > settings.PAYMENT_MAX_AMOUNT_MINOR:
        raise AmountTooLarge(
            f"amount exceeds the maximum of {settings.PAYMENT_MAX_AMOUNT_MINOR} minor units.", param="amount"
        )
    return amount_minor


def accept_payment(
    *, merchant: Merchant, payment: PaymentRequest, render: Render, idempotency_key: str = "", request: Any = None
) -> IdempotentResult:
    """POST /transaction: create the payment, once per Idempotency-Key when there is one. `render` is the
    response (stored with the key in the same write, replayed to retries); `request` is the validated
    request the key's fingerprint is taken from."""
    if not idempotency_key:
        status, body = render(create_transaction(merchant=merchant, payment=payment))
        return IdempotentResult(status=status, body=body, replayed=False)
    record = IdempotentCreate(
        merchant=merchant, key=idempotency_key, fingerprint=request_fingerprint(request), render=render
    )
    return run_idempotent(
        request=record,
        create=lambda idempotency: create_transaction(merchant=merchant, payment=payment, idempotency=idempotency),
    )


def create_transaction(
    *, merchant: Merchant, payment: PaymentRequest, idempotency: IdempotentCreate | None = None
) -> Transaction:
    """Store a payment as `pending` with its history row and `created` event: one atomic write.

    With `idempotency`, the completed Idempotency-Key record is part of the same write, so a duplicate
    key (IntegrityError) leaves nothing behind and a stored response always has its payment.
    """
    amount_minor = amount_in_minor_units(amount=payment.amount, currency=payment.currency)
    pan = normalise_pan(payment.card_number)
    check_cvv(payment.cvv, brand=detect_brand(pan))
    check_not_expired(payment.expiry_month, payment.expiry_year)
    card = summarise_card(pan=pan, exp_month=payment.expiry_month, exp_year=payment.expiry_year)
    now = timezone.now()
    tx = Transaction(
        merchant=merchant,
        status=Status.PENDING,
        amount_minor=amount_minor,
        currency=payment.currency,
        card_brand=card.brand,
        card_bin=card.bin,
        card_last4=card.last4,
        card_exp_month=card.exp_month,
        card_exp_year=card.exp_year,
        card_fingerprint=card.fingerprint,
        merchant_reference=payment.merchant_reference,
        description=payment.description,
        customer_email=payment.customer.email,
        customer_ip=payment.customer.ip,
        customer_country=payment.customer.country,
        device_id=payment.device_id,
        metadata=payment.metadata,
        capture_method=payment.capture_method,
        created_at=now,
        updated_at=now,
    )
    # A new payment has no fraud decision: cache that, so rendering the response does not query for one.
    Transaction._meta.get_field("fraud_decision").set_cached_value(tx, None)
    rows = [
        tx,
        TransactionEvent(
            transaction=tx, from_status="", to_status=Status.PENDING, actor="api", reason="payment accepted"
        ),
        outbox_event(
            event_type=events.TRANSACTION_CREATED,
            key=str(tx.id),
            data=events.transaction_data(tx),
            topic=settings.TOPIC_TRANSACTIONS,
        ),
    ]
    if idempotency is not None:
        rows.insert(0, idempotency.completed_record(tx))
    insert_together(*rows)
    relay_after_commit()
    transaction.on_commit(
        lambda: metrics.count_status(status=tx.status, currency=tx.currency, amount_minor=tx.amount_minor)
    )
    return tx


@dataclass(frozen=True, slots=True)
class Transition:
    transaction_id: UUID | str
    to: str
    actor: str
    reason: str = ""
    decline_reason: str = ""
    # Other columns set with the status, e.g. (("authorized_at", now),).
    sets: tuple[tuple[str, Any], ...] = ()
    captured_in_full: bool = False  # amount_captured_minor := amount_minor (one UPDATE for any amounts)


def transition_transaction(
    *, transaction_id: UUID | str, to: str, actor: str, reason: str = "", decline_reason: str = ""
) -> Transaction:
    """The one way a payment changes status: lock, check the state machine, record history and event."""
    change = Transition(transaction_id, to=to, actor=actor, reason=reason, decline_reason=decline_reason)
    return transition_transactions([change])[0]


def transition_transactions(
    changes: list[Transition], *, only_from: Collection[str] | None = None
) -> list[Transaction]:
    """Several payments' status changes in one database transaction and a fixed number of statements:
    the rows are locked (in id order, so concurrent batches cannot deadlock), every change is checked
    against the state machine (one illegal change rolls all back), then the payments are updated and
    their history rows and events written in bulk. With `only_from`, a payment found (under the lock) in
    another status was moved on meanwhile: its change is skipped, not an error. Returns the changed ones."""
    with transaction.atomic():
        ids = [str(change.transaction_id) for change in changes]
        locked = {str(tx.id): tx for tx in locked_by_ids(ids)}
        now = timezone.now()
        history, outbox, changed = [], [], []
        for change in changes:
            tx = locked.get(str(change.transaction_id))
            if tx is None:
                raise Transaction.DoesNotExist(f"no payment {change.transaction_id}")
            if only_from is not None and tx.status not in only_from:
                logger.info("payment %s is already %s; %s not applied", tx.id, tx.status, change.to)
                continue
            from_status = tx.status
            check_transition(from_status, change.to)
            tx.status, tx.version, tx.updated_at = change.to, tx.version + 1, now
            if change.decline_reason:
                tx.decline_reason = change.decline_reason
            for name, value in change.sets:
                setattr(tx, name, value)
            if change.captured_in_full:
                tx.amount_captured_minor = tx.amount_minor
            changed.append((tx, change))
            history.append(
                TransactionEvent(
                    transaction=tx,
                    from_status=from_status,
                    to_status=change.to,
                    actor=change.actor,
                    reason=change.reason,
                )
            )
            data = events.transaction_data(tx) | {
                "amount_captured_minor": tx.amount_captured_minor,
                "amount_refunded_minor": tx.amount_refunded_minor,
                "from_status": from_status,
                "version": tx.version,
                "actor": change.actor,
                "reason": change.reason,
                "decline_reason": tx.decline_reason,
            }
            outbox.append(
                outbox_event(
                    event_type=events.TRANSACTION_STATUS_CHANGED,
                    key=str(tx.id),
                    data=data,
                    topic=settings.TOPIC_TRANSACTIONS,
                )
            )
        # One UPDATE per outcome (usually one or two), cheaper than bulk_update's CASE per row; the rows
        # are locked, so each version moves from the value read above to the one set on the instance.
        outcomes: dict[tuple[str, str, tuple[tuple[str, Any], ...], bool], list[str]] = {}
        for tx, change in changed:
            key = (tx.status, tx.decline_reason, change.sets, change.captured_in_full)
            outcomes.setdefault(key, []).append(tx.pk)
        for (status, decline_reason, sets, captured_in_full), pks in outcomes.items():
            columns = dict(sets) | ({"amount_captured_minor": F("amount_minor")} if captured_in_full else {})
            Transaction.objects.filter(pk__in=pks).update(
                status=status, decline_reason=decline_reason, version=F("version") + 1, updated_at=now, **columns
            )
        TransactionEvent.objects.bulk_create(history)
        enqueue_events(outbox)
        payments = [tx for tx, _ in changed]
        transaction.on_commit(lambda: _after_transitions(payments))
    return payments


def _after_transitions(changed: list[Transaction]) -> None:
    cache.forget_resources(tx.id for tx in changed)
    for tx in changed:
        metrics.count_status(status=tx.status, currency=tx.currency, amount_minor=tx.amount_minor)
