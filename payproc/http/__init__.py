"""HTTP plumbing shared by every app: errors, parsing, request ids, logging, health."""
