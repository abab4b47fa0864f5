"""PostgreSQL as payproc uses it: django-prometheus's instrumented backend, bulk inserts as plain VALUES.

Django 5.2 sends a multi-row insert on PostgreSQL as one array per column (`UNNEST(%s::jsonb[], …)`) to
plan it faster. psycopg dumps those arrays element by element in Python and escapes every double quote
of every JSON value with a regular expression, and payproc's bulk inserts are JSON-heavy (outbox
envelopes, decisions' fired rules, webhook payloads): 9-19 % of the scoring worker's CPU with batches of
ten events (CPU time, alternating runs). Multi-row VALUES sends each value as its own parameter.
"""
