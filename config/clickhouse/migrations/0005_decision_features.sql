-- The fraud model's inputs of each decision, as scoring computed them: names and values side by side
-- (no Map type on 18.16). Read one with arrayElement(feature_values, indexOf(feature_names, 'amount')).
ALTER TABLE {db}.fraud_decisions ADD COLUMN feature_names Array(String) AFTER rules_version;
ALTER TABLE {db}.fraud_decisions ADD COLUMN feature_values Array(Float64) AFTER feature_names;
