"""Embedded analytics on chDB (ClickHouse's engine in-process): the same migrations, tables and SQL as the
ClickHouse server, for `make run` without any service.

Without Kafka there is no sink process, and chDB's files belong to one process, so the store feeds itself
from the outbox (the event log of the embedded mode) when it is read: events written since its watermark
become rows, which are idempotent (ReplacingMergeTree), so reading them twice never double counts.
"""

import json
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from clickhouse_driver.util.escape import escape_chars_map
from django.conf import settings

from antifraud.adapters.ports import HistoricalPayment, Summary, SummaryQuery
from antifraud.analytics import ANALYTICS_EVENTS, rows_from_events
from eventbus.models import OutboxEvent

from .clickhouse import ClickHouseSQL, _naive_utc, check_database_name

SYNC_BATCH = 2000

_lock = threading.RLock()
_session: Any = None
_session_path: str | None = None


def _open_session(path: str) -> Any:
    """chDB allows one session per process: reuse it, or close it to open another path (tests)."""
    global _session, _session_path
    from chdb import session

    if _session is not None and _session_path != path:
        _session.close()
        _session = None
    if _session is None:
        Path(path).mkdir(parents=True, exist_ok=True)
        _session, _session_path = session.Session(path), path
    return _session


def _literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, datetime):
        return f"'{_naive_utc(value):%Y-%m-%d %H:%M:%S}'"
    if isinstance(value, int | float):
        return str(value)
    return "'" + "".join(escape_chars_map.get(char, char) for char in str(value)) + "'"


def _json_value(value: Any) -> Any:
    return f"{_naive_utc(value):%Y-%m-%d %H:%M:%S}" if isinstance(value, datetime) else value


def _python_value(value: Any, column_type: str) -> Any:
    column_type = column_type.removeprefix("Nullable(")  # only the type's start is read below
    if value is None:
        return None
    if column_type.startswith(("UInt", "Int")):
        return int(value)
    if column_type.startswith("DateTime"):
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
    return value


class ChdbAnalytics(ClickHouseSQL):
    def __init__(self, *, path: str, database: str = "payproc") -> None:
        self.database = check_database_name(database)
        self.path = path
        with _lock:
            _open_session(path)
            self.migrate()

    def _query(self, sql: str, output: str = "CSV") -> Any:
        with _lock:
            result = _open_session(self.path).query(sql, output)
        if result.has_error():
            raise RuntimeError(f"chDB: {result.error_message()}")
        return result

    def _select(self, sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        if params:
            sql = sql % {name: _literal(value) for name, value in params.items()}
        document = json.loads(self._query(sql, "JSONCompact").bytes() or b'{"meta": [], "data": []}')
        types = [column["type"] for column in document["meta"]]
        return [tuple(_python_value(v, t) for v, t in zip(row, types, strict=True)) for row in document["data"]]

    def _command(self, sql: str) -> None:
        self._query(sql)

    def _insert(self, table: str, columns: tuple[str, ...], rows: list[dict[str, Any]]) -> None:
        if rows:
            lines = "\n".join(json.dumps({c: _json_value(row[c]) for c in columns}) for row in rows)
            self._command(f"INSERT INTO {self.database}.{table} ({', '.join(columns)}) FORMAT JSONEachRow\n{lines}")

    # --- feeding from the outbox --------------------------------------------------------------------
    def _watermark(self) -> int:
        rows = self._select(f"SELECT max(last_outbox_id) FROM {self.database}.embedded_sync")  # noqa: S608 - checked name
        return int(rows[0][0] or 0) if rows else 0

    def sync(self) -> int:
        """Turn the outbox events written since the last sync into rows; returns how many events were read."""
        self._command(
            f"CREATE TABLE IF NOT EXISTS {self.database}.embedded_sync (last_outbox_id UInt64, synced_at DateTime) "
            "ENGINE = MergeTree() ORDER BY last_outbox_id"
        )
        read = 0
        with _lock:
            watermark = self._watermark()
            while True:
                batch = list(
                    OutboxEvent.objects.filter(pk__gt=watermark, event_type__in=ANALYTICS_EVENTS)
                    .order_by("pk")
                    .values_list("pk", "envelope")[:SYNC_BATCH]
                )
                if not batch:
                    return read
                self.write(**rows_from_events([envelope for _, envelope in batch])._asdict())
                watermark, read = batch[-1][0], read + len(batch)
                self._insert(
                    "embedded_sync",
                    ("last_outbox_id", "synced_at"),
                    [{"last_outbox_id": watermark, "synced_at": datetime.now()}],
                )

    def summary(self, query: SummaryQuery) -> Summary:
        self.sync()
        return super().summary(query)

    def history(self, query: SummaryQuery) -> list[HistoricalPayment]:
        self.sync()
        return super().history(query)


def chdb_available() -> bool:
    try:
        import chdb  # noqa: F401
    except ImportError:
        return False
    return True


_stores: dict[str, ChdbAnalytics] = {}


def embedded_store() -> ChdbAnalytics:
    path = str(settings.CHDB_PATH)
    with _lock:
        if path not in _stores:
            _stores.clear()  # one session per process: a store for another path is stale
            _stores[path] = ChdbAnalytics(path=path)
        return _stores[path]
