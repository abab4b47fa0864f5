"""Alert-service metrics: incident changes by severity (notification attempts are the delivery engine's,
payproc_outbound_attempts_total{channel="telegram"})."""

from prometheus_client import Counter

INCIDENTS = Counter("payproc_incidents", "Incident changes by severity.", ["severity", "change"])
