-- Refunds, one row per settled refund (succeeded or failed); a redelivered event writes the same row
-- again, which ReplacingMergeTree keeps once (read with FINAL).
CREATE TABLE IF NOT EXISTS {db}.refunds (
    refund_id String,
    transaction_id String,
    merchant_id String,
    status String,
    amount_minor Int64,
    currency FixedString(3),
    created_at DateTime,
    settled_at DateTime
) ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(created_at)
ORDER BY (merchant_id, refund_id);
