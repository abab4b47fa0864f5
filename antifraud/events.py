"""Events the anti-fraud domain emits and consumes."""

from transactions.events import TRANSACTION_CREATED  # noqa: F401 - consumed: every new payment is scored

DECISION = "antifraud.decision"
FRAUD_REPORT = "antifraud.fraud_report"  # a merchant labelled a payment (the label, never the note)
