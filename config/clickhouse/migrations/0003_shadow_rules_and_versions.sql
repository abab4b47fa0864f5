-- Shadow rules that would have fired on each decision (not in its score), and the rule set version it
-- ran under (0: decided before versions). Older rows read as an empty array and 0.
ALTER TABLE {db}.fraud_decisions ADD COLUMN shadow_rules Array(String) AFTER fired_rules;
ALTER TABLE {db}.fraud_decisions ADD COLUMN rules_version UInt32 DEFAULT 0 AFTER shadow_rules;
