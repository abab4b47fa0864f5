"""Event pipeline metrics. Label values are bounded: topics, groups, handler and task names from code or config."""

from prometheus_client import Counter, Gauge

OUTBOX_PUBLISHED = Counter("payproc_outbox_published_events", "Outbox events published by the relay.", ["topic"])
EVENTS_HANDED_OFF = Counter("payproc_bridge_events", "Events the Kafka bridge handed to Celery.", ["topic"])
CONSUMER_LAG = Gauge(
    "payproc_kafka_consumer_lag",
    "Messages behind the partition end, per group and topic.",
    ["group", "topic"],
    multiprocess_mode="livemax",
)
HANDLER_RUNS = Counter("payproc_event_handler_runs", "Event handler runs.", ["handler", "outcome"])
TASKS = Counter("payproc_celery_tasks", "Celery task outcomes.", ["task", "outcome"])
CELERY_QUEUE_DEPTH = Gauge(
    "payproc_celery_queue_depth",
    "Task messages waiting in the broker for a Celery worker, per queue (read by the event bridge).",
    ["queue"],
    multiprocess_mode="livemax",
)
DEAD_LETTERS = Counter(
    "payproc_dead_letters",
    "Events sent to a dead-letter topic: a handler gave up on them, or nobody could read them.",
    ["topic", "reason"],
)
