"""Alert-service metrics: incident changes by severity and notification delivery outcomes."""

from prometheus_client import Counter

INCIDENTS = Counter("payproc_incidents", "Incident changes by severity.", ["severity", "change"])
NOTIFICATIONS = Counter("payproc_alert_notifications", "Notification delivery attempts.", ["outcome"])
