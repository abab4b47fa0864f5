"""The event bus: how an event gets from the transaction that wrote it to the handlers that act on it.

    outbox.py      enqueue_event(s): the event row, in the same database transaction as its change
    envelope.py    the versioned envelope; schemas.py validates it against config/events/
    relay.py       publishes unsent rows in order per key (wakeup.py: woken on commit, not by polling)
    retention.py   deletes published rows after OUTBOX_RETENTION_HOURS (hourly beat task)
    adapters/      the publisher port (ports.py), Kafka (kafka.py) and in-process (inprocess.py) adapters;
                   get_publisher in adapters/__init__.py picks one
    consumer.py    the Kafka side: builds the consumer that feeds bridge.py, with dead letters and lag
    bridge.py      hand_off: a batch of consumed events to Celery, one task per handler
    tasks.py       the Celery tasks that run handlers, with retries
    handlers.py    the registry (event_handler, batch_event_handler) and running a handler once per event
    dead_letters.py an event a handler keeps failing on, parked on <topic>.dlq and replayable

The apps declare their event types (events.py) and register handlers (handlers.py) here.
"""
