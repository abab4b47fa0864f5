-- What the backtest needs to replay stored payments through a draft rule set: the values velocity
-- windows are kept per (the card's keyed fingerprint, never its number; e-mail, IP address, device).
-- Rows written before this migration have them empty and replay as unlinked payments.
ALTER TABLE {db}.payments ADD COLUMN card_fingerprint String AFTER card_bin;
ALTER TABLE {db}.payments ADD COLUMN customer_email String AFTER customer_country;
ALTER TABLE {db}.payments ADD COLUMN customer_ip String AFTER customer_email;
ALTER TABLE {db}.payments ADD COLUMN device_id String AFTER customer_ip;

-- Labels, one row per payment and source (merchant report, analyst review, provider decline for
-- fraud); the newest per source stands, and the source's precedence is applied when read.
CREATE TABLE IF NOT EXISTS {db}.labels (
    transaction_id String,
    merchant_id String,
    source String,
    label String,
    labelled_at DateTime
) ENGINE = ReplacingMergeTree(labelled_at)
PARTITION BY toYYYYMM(labelled_at)
ORDER BY (merchant_id, transaction_id, source);
