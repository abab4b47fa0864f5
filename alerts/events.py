"""Events the alert service consumes and emits."""

from antifraud.events import DECISION
from transactions.events import CIRCUIT_OPEN, REFUND_SUCCEEDED, TRANSACTION_CREATED, TRANSACTION_STATUS_CHANGED
from webhooks.events import ENDPOINT_DISABLED

INCIDENT = "alerts.incident"  # emitted on alerts.incidents when an incident opens, escalates, is acked or resolved

# Not on Kafka: built in-process from Alertmanager webhooks and from periodic checks (which must work
# precisely when Kafka or the relay is the thing that is down).
ALERTMANAGER_ALERT = "alertmanager.alert"
OUTBOX_BACKLOG = "system.outbox_backlog"

# Event types the bridge hands to the rule evaluator.
WATCHED = (TRANSACTION_CREATED, TRANSACTION_STATUS_CHANGED, REFUND_SUCCEEDED, DECISION, CIRCUIT_OPEN, ENDPOINT_DISABLED)
