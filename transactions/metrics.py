"""Payment and provider metrics. Label values are bounded: statuses, ISO currency codes,
provider and handler names from code or configuration, never ids or raw paths."""

from prometheus_client import Counter, Gauge

PAYMENTS = Counter("payproc_payments", "Payments entering a status.", ["status", "currency"])
PAYMENT_AMOUNT = Counter(
    "payproc_payment_amount_minor", "Amount entering a status, in minor units of the currency.", ["status", "currency"]
)
PROVIDER_CALLS = Counter(
    "payproc_provider_calls",
    "Calls to the payment provider: authorize, capture, cancel, refund.",
    ["provider", "operation", "outcome"],
)
REFUNDS = Counter("payproc_refunds", "Refunds settled, by outcome.", ["status", "currency"])
REFUND_AMOUNT = Counter(
    "payproc_refund_amount_minor", "Amount of settled refunds, in minor units of the currency.", ["status", "currency"]
)
# Each process has its own breaker: the gauge reads 1 while any live process's circuit is open.
PROVIDER_CIRCUIT_OPEN = Gauge(
    "payproc_provider_circuit_open",
    "1 while the provider's circuit is open.",
    ["provider"],
    multiprocess_mode="livemax",
)


def count_status(*, status: str, currency: str, amount_minor: int) -> None:
    PAYMENTS.labels(status=status, currency=currency).inc()
    PAYMENT_AMOUNT.labels(status=status, currency=currency).inc(amount_minor)
