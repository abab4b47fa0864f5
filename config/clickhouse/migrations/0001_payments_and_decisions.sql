-- Payments, one row per payment: every event writes the payment's state with its version, and
-- ReplacingMergeTree keeps the newest (read with FINAL). A redelivered event writes the same row
-- again, so replays never double count.
CREATE TABLE IF NOT EXISTS {db}.payments (
    transaction_id String,
    merchant_id String,
    status String,
    amount_minor Int64,
    currency FixedString(3),
    card_brand String,
    card_bin String,
    customer_country String,
    created_at DateTime,
    updated_at DateTime,
    version UInt32
) ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(created_at)
ORDER BY (merchant_id, transaction_id);

-- One decision per payment.
CREATE TABLE IF NOT EXISTS {db}.fraud_decisions (
    transaction_id String,
    merchant_id String,
    score UInt8,
    decision String,
    fired_rules Array(String),
    amount_minor Int64,
    currency FixedString(3),
    created_at DateTime,
    decided_at DateTime
) ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(created_at)
ORDER BY (merchant_id, transaction_id);

-- Per-minute aggregates by merchant, currency and status, computed from the deduplicated rows.
CREATE VIEW IF NOT EXISTS {db}.payments_per_minute AS
SELECT
    toStartOfMinute(created_at) AS minute,
    merchant_id,
    currency,
    status,
    count() AS payments,
    sum(amount_minor) AS amount_minor
FROM {db}.payments FINAL
GROUP BY minute, merchant_id, currency, status;
