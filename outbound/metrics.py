"""Outbound delivery metrics, labelled by channel (bounded: one value per registered channel)."""

from prometheus_client import Counter, Histogram

ATTEMPTS = Counter(
    "payproc_outbound_attempts",
    "Outbound delivery attempts by channel and outcome (delivered, retry, failed, lost).",
    ["channel", "outcome"],
)
ATTEMPT_SECONDS = Histogram(
    "payproc_outbound_attempt_seconds",
    "Duration of one outbound attempt, deadline included.",
    ["channel"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
