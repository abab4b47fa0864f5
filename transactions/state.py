"""The payment state machine: every allowed status change, declared once, as data."""

from .errors import IllegalTransition
from .models import Status

ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    Status.PENDING: frozenset({Status.REVIEW, Status.AUTHORIZED, Status.APPROVED, Status.DECLINED, Status.FAILED}),
    Status.REVIEW: frozenset({Status.AUTHORIZED, Status.APPROVED, Status.DECLINED, Status.FAILED}),
    Status.AUTHORIZED: frozenset({Status.APPROVED, Status.CANCELED}),  # captured, or released
    Status.APPROVED: frozenset({Status.REFUNDED}),  # partial refunds keep it approved
    Status.DECLINED: frozenset(),
    Status.FAILED: frozenset(),
    Status.CANCELED: frozenset(),
    Status.REFUNDED: frozenset(),
}

FINAL_STATUSES = frozenset(status for status, targets in ALLOWED_TRANSITIONS.items() if not targets)


def check_transition(from_status: str, to_status: str) -> None:
    if to_status not in ALLOWED_TRANSITIONS.get(from_status, frozenset()):
        raise IllegalTransition(f"A {from_status} payment cannot become {to_status}.", param="status")
