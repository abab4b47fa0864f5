"""Embedded default for `make run`: SQLite, in-memory cache and rate limits, eager Celery."""

import os

os.environ.setdefault("DJANGO_DEBUG", "true")
os.environ.setdefault("LOG_FORMAT", "text")
# The demo signs in with a password alone (bootstrap_demo says so); production settings require MFA.
os.environ.setdefault("ADMIN_MFA_REQUIRED", "false")
# The demo has one admin, who edits rules directly (each edit still a version); production requires a checker.
os.environ.setdefault("FRAUD_RULES_MAKER_CHECKER", "false")

from .base import *  # noqa: F403

ALLOWED_HOSTS = ["*"]
