-- The audit log's copy off the main database (the audit.entry event, TOPIC_AUDIT): who changed what and
-- when, before and after as JSON text. Nothing in payproc deletes from it. A redelivered event writes
-- the same row (ReplacingMergeTree on the entry's id).
CREATE TABLE IF NOT EXISTS {db}.audit_entries (
    entry_id UInt64,
    at DateTime,
    actor String,
    action String,
    object_type String,
    object_id String,
    before String,
    after String,
    note String
) ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(at)
ORDER BY (object_type, object_id, entry_id);
