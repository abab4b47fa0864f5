"""Anti-fraud services, one module per subdomain: scoring decisions (decisions.py), analysts' reviews
and notes (reviews.py), block and allow lists (lists.py), merchants' fraud reports (reports.py), the rule
set and its versions (rule_sets.py), and maker-checker proposals of rule sets (proposals.py)."""
