"""Metrics and tracing plumbing: exposition endpoints, per-process servers, trace context helpers."""
