"""Embedded default for `make run`: SQLite, in-memory cache and rate limits, eager Celery."""

import os

os.environ.setdefault("DJANGO_DEBUG", "true")
os.environ.setdefault("LOG_FORMAT", "text")

from .base import *  # noqa: F403

ALLOWED_HOSTS = ["*"]
