"""Alert rules, incidents and escalation arrive with the alert service issue."""
