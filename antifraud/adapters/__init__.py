"""Adapters of the analytics store (the port in ports.py) and of the velocity windows (velocity.py).

ClickHouse when CLICKHOUSE_URL is set; otherwise chDB in-process; without chDB (or when asked), the
main database.
"""

from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:  # the port needs Django's apps loaded; velocity.py is imported without them
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
