"""Webhook metrics (bounded labels)."""

from prometheus_client import Counter

DELIVERIES = Counter("payproc_webhook_deliveries", "Webhook delivery attempts by outcome.", ["outcome"])
