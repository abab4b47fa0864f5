-- The fraud model's inputs of each decision, as scoring computed them (the antifraud.features event):
-- names and values side by side (no Map type on 18.16). Read one with
-- arrayElement(feature_values, indexOf(feature_names, 'amount')). A redelivered event writes the same rows.
CREATE TABLE IF NOT EXISTS {db}.decision_features (
    transaction_id String,
    merchant_id String,
    decided_at DateTime,
    feature_names Array(String),
    feature_values Array(Float64)
) ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(decided_at)
ORDER BY (merchant_id, transaction_id);
