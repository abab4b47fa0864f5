"""Fraud decision metrics: outcomes, fired rules (rule names are admin-defined and few) and latency."""

from prometheus_client import Counter, Histogram

DECISIONS = Counter("payproc_fraud_decisions", "Fraud decisions by outcome.", ["decision"])
RULES_FIRED = Counter("payproc_fraud_rules_fired", "Fired fraud rules.", ["rule"])
DECISION_LATENCY = Histogram(
    "payproc_decision_latency_seconds",
    "Time from a payment's creation to its fraud decision.",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)
REDRIVEN = Counter(
    "payproc_payments_redriven",
    "Payments the recovery sweep found left pending and drove on, by the step they still needed.",
    ["step"],
)
