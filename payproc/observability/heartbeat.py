"""Beat's pulse: a beat task stamps the time in the shared cache, `/metrics` shows how old the stamp is.

Without it a dead beat is silent: escalations, the recovery sweep and notification retries just stop.
The stamp is written by a worker running the task, so the age also grows when no worker runs.
"""

import time

from django.core.cache import cache

_KEY = "payproc:beat:heartbeat"


def beat() -> None:
    cache.set(_KEY, time.time(), timeout=None)


def age_seconds() -> float:
    """Seconds since the last beat (infinite when none was ever seen, or the cache cannot be read)."""
    stamp = cache.get(_KEY)
    return max(0.0, time.time() - stamp) if stamp is not None else float("inf")
