"""Adapters of the analytics store and of the velocity windows (their ports in ports.py).

ClickHouse when CLICKHOUSE_URL is set; otherwise chDB in-process; without chDB (or when asked), the
main database.
"""

from typing import TYPE_CHECKING

from django.conf import settings

from .memory_velocity import MemoryVelocityStore
from .ports import VelocityStore

if TYPE_CHECKING:
    from .ports import AnalyticsStore


def analytics_backend() -> str:
    """ClickHouse when configured; otherwise chDB in-process; without chDB (or when asked), the main database.

    One of "clickhouse", "chdb", "database", or "chdb_missing" (chDB wanted but not installed)."""
    if settings.CLICKHOUSE_URL:
        return "clickhouse"
    if settings.ANALYTICS_EMBEDDED != "chdb":
        return "database"
    from .chdb_analytics import chdb_available

    return "chdb" if chdb_available() else "chdb_missing"


def get_analytics() -> "AnalyticsStore":
    backend = analytics_backend()
    if backend == "clickhouse":
        from .clickhouse import ClickHouseAnalytics

        return ClickHouseAnalytics.from_url(settings.CLICKHOUSE_URL)
    if backend == "chdb":
        from .chdb_analytics import embedded_store

        return embedded_store()
    from .db_analytics import DatabaseAnalytics

    return DatabaseAnalytics()


def describe_analytics() -> str:
    """One line for `make run`: which analytics store this configuration uses."""
    return {
        "clickhouse": f"ClickHouse at {settings.CLICKHOUSE_URL}",
        "chdb": f"chDB (ClickHouse in-process) in {settings.CHDB_PATH}",
        "chdb_missing": (
            "chDB is not installed: analytics are computed from the main database (pip install chdb to switch)"
        ),
        "database": "computed from the main database (ANALYTICS_EMBEDDED=database)",
    }[analytics_backend()]


_memory = MemoryVelocityStore()


def get_velocity_store() -> VelocityStore:
    """Redis when REDIS_URL is set (shared by every process), else this process's memory."""
    if settings.REDIS_URL:
        from django_redis import get_redis_connection

        from .redis_velocity import RedisVelocityStore

        return RedisVelocityStore(get_redis_connection("default"))
    return _memory
