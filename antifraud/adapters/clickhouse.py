"""ClickHouse analytics (clickhouse-driver, native protocol): writes, summaries, and file migrations.

The SQL keeps to what both ClickHouse 18.16 (tests) and 24.x (docker-compose) accept.
"""

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from clickhouse_driver import Client
from django.conf import settings

from antifraud.adapters.ports import HistoricalPayment, Summary, SummaryQuery
from antifraud.facts import PaymentFacts
from antifraud.labels import Labelled, LabelSource
from antifraud.labels import standing as standing_label

_BUCKET_FUNCTIONS = {"minute": "toStartOfMinute", "hour": "toStartOfHour", "day": "toStartOfDay"}
_PAYMENT_COLUMNS = (
    "transaction_id",
    "merchant_id",
    "status",
    "amount_minor",
    "currency",
    "card_brand",
    "card_bin",
    "customer_country",
    "card_fingerprint",
    "customer_email",
    "customer_ip",
    "device_id",
    "created_at",
    "updated_at",
    "version",
)
_DECISION_COLUMNS = (
    "transaction_id",
    "merchant_id",
    "score",
    "decision",
    "fired_rules",
    "shadow_rules",
    "rules_version",
    "amount_minor",
    "currency",
    "created_at",
    "decided_at",
)


_LABEL_COLUMNS = ("transaction_id", "merchant_id", "source", "label", "labelled_at")
_FEATURE_COLUMNS = ("transaction_id", "merchant_id", "decided_at", "feature_names", "feature_values")
_AUDIT_COLUMNS = ("entry_id", "at", "actor", "action", "object_type", "object_id", "before", "after", "note")
_REFUND_COLUMNS = (
    "refund_id",
    "transaction_id",
    "merchant_id",
    "status",
    "amount_minor",
    "currency",
    "created_at",
    "settled_at",
)


def _naive_utc(value: Any) -> Any:
    return value.replace(tzinfo=None) if hasattr(value, "tzinfo") and value.tzinfo else value


def check_database_name(database: str) -> str:
    # The database name is spliced into SQL (identifiers cannot be parameters): only plain names.
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", database):
        raise ValueError(f"invalid ClickHouse database name {database!r}")
    return database


class ClickHouseSQL:
    """The analytics SQL, shared by the ClickHouse server adapter and the embedded chDB one.

    Subclasses say how a statement runs: `_select` (rows as tuples), `_command` and `_insert`.
    """

    database: str

    def _select(self, sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def _command(self, sql: str) -> None:
        raise NotImplementedError

    def _insert(self, table: str, columns: tuple[str, ...], rows: list[dict[str, Any]]) -> None:
        raise NotImplementedError

    def write(
        self,
        *,
        payments: list[dict[str, Any]],
        decisions: list[dict[str, Any]],
        refunds: list[dict[str, Any]] = (),
        labels: list[dict[str, Any]] = (),
        features: list[dict[str, Any]] = (),
    ) -> None:
        self._insert("payments", _PAYMENT_COLUMNS, payments)
        self._insert("fraud_decisions", _DECISION_COLUMNS, decisions)
        self._insert("refunds", _REFUND_COLUMNS, list(refunds))
        self._insert("labels", _LABEL_COLUMNS, list(labels))
        self._insert("decision_features", _FEATURE_COLUMNS, list(features))

    def write_audit(self, rows: list[dict[str, Any]]) -> None:
        self._insert("audit_entries", _AUDIT_COLUMNS, rows)

    def latest_audit_at(self) -> datetime | None:
        [(count, latest)] = self._select(f"SELECT count(), max(at) FROM {self.database}.audit_entries")
        return latest.replace(tzinfo=UTC) if count else None

    def _where(self, query: SummaryQuery) -> tuple[str, dict[str, Any]]:
        # DateTime has whole seconds: an end inside a second includes that whole second.
        end = query.end.replace(microsecond=0) + timedelta(seconds=1) if query.end.microsecond else query.end
        params = {
            "merchant": query.merchant_id,
            "start": _naive_utc(query.start.replace(microsecond=0)),
            "end": _naive_utc(end),
        }
        where = "created_at >= %(start)s AND created_at < %(end)s"
        if query.merchant_id is not None:
            where += " AND merchant_id = %(merchant)s"
        return where, params

    def _labels(self, where: str, params: dict[str, Any]) -> dict[str, Labelled]:
        db = self.database
        found: dict[str, dict[str, str]] = {}
        for transaction_id, source, label in self._select(
            f"SELECT transaction_id, source, label FROM {db}.labels FINAL WHERE transaction_id IN "
            f"(SELECT transaction_id FROM {db}.payments FINAL WHERE {where})",
            params,
        ):
            found.setdefault(transaction_id, {})[source] = label
        return {payment_id: standing for payment_id, labels in found.items() if (standing := standing_label(labels))}

    def history(self, query: SummaryQuery) -> list[HistoricalPayment]:
        where, params = self._where(query)
        db = self.database
        outcomes = dict(
            self._select(f"SELECT transaction_id, decision FROM {db}.fraud_decisions FINAL WHERE {where}", params)
        )
        labels = self._labels(where, params)
        history = []
        for row in self._select(
            "SELECT transaction_id, merchant_id, amount_minor, currency, card_fingerprint, card_bin, customer_email, "
            f"customer_ip, customer_country, device_id, created_at FROM {db}.payments FINAL WHERE {where} "
            "ORDER BY created_at, transaction_id",
            params,
        ):
            transaction_id = row[0]
            facts = PaymentFacts(
                transaction_id=transaction_id,
                merchant_id=row[1],
                amount_minor=row[2],
                currency=row[3],
                card_fingerprint=row[4],
                card_bin=row[5],
                email=row[6].lower(),
                ip=row[7],
                country=row[8].upper(),
                device_id=row[9],
                created_at=row[10].replace(tzinfo=UTC),
            )
            label = labels.get(transaction_id)
            # An analyst's decision replaced our row; analysts decide only payments our rules sent to review.
            outcome = "review" if label and label.source == LabelSource.ANALYST else outcomes.get(transaction_id, "")
            history.append(HistoricalPayment(facts=facts, outcome=outcome, label=label))
        return history

    # --- reads --------------------------------------------------------------------------------
    def summary(self, query: SummaryQuery) -> Summary:
        where, params = self._where(query)
        db = self.database
        summary = Summary()
        for status, currency, count, amount in self._select(
            f"SELECT status, currency, count(), sum(amount_minor) FROM {db}.payments FINAL WHERE {where} "
            "GROUP BY status, currency",
            params,
        ):
            summary.by_status[status] = summary.by_status.get(status, 0) + count
            if status == "approved":
                summary.volume[currency] = summary.volume.get(currency, 0) + amount
        bucket = _BUCKET_FUNCTIONS[query.bucket]
        series: dict[Any, dict[str, Any]] = {}
        for start, status, count in self._select(
            f"SELECT {bucket}(created_at) AS bucket_start, status, count() FROM {db}.payments FINAL "
            f"WHERE {where} GROUP BY bucket_start, status ORDER BY bucket_start",
            params,
        ):
            series.setdefault(start, {"bucket_start": start})[status] = count
        summary.series = list(series.values())
        summary.decisions = dict(
            self._select(
                f"SELECT decision, count() FROM {db}.fraud_decisions FINAL WHERE {where} GROUP BY decision", params
            )
        )
        for currency, count, amount in self._select(
            f"SELECT currency, count(), sum(amount_minor) FROM {db}.refunds FINAL WHERE {where} "
            "AND status = 'succeeded' GROUP BY currency",
            params,
        ):
            summary.refunds[currency] = amount
            summary.refund_count += count
        summary.top_rules = [
            (rule, count)
            for rule, count in self._select(
                f"SELECT rule, count() AS fired FROM {db}.fraud_decisions FINAL ARRAY JOIN fired_rules AS rule "
                f"WHERE {where} GROUP BY rule ORDER BY fired DESC, rule LIMIT 10",
                params,
            )
        ]
        for rule, decision, count in self._select(
            f"SELECT rule, decision, count() FROM {db}.fraud_decisions FINAL ARRAY JOIN shadow_rules AS rule "
            f"WHERE {where} GROUP BY rule, decision ORDER BY rule, decision",
            params,
        ):
            summary.count_shadow(rule, decision, count)
        summary.count_labels(self._labels(where, params).values())
        return summary

    # --- migrations ---------------------------------------------------------------------------
    def migrate(self, directory: str | Path | None = None) -> list[str]:
        """Apply the .sql files not applied yet, in name order; return the names applied now."""
        directory = Path(directory or settings.CLICKHOUSE_MIGRATIONS_DIR)
        db = self.database
        self._command(f"CREATE DATABASE IF NOT EXISTS {db}")
        self._command(
            f"CREATE TABLE IF NOT EXISTS {db}.schema_migrations (name String, applied_at DateTime) "
            "ENGINE = ReplacingMergeTree() ORDER BY name"
        )
        done = {name for (name,) in self._select(f"SELECT name FROM {db}.schema_migrations FINAL")}
        applied = []
        for path in sorted(directory.glob("*.sql")):
            if path.name in done:
                continue
            for statement in split_statements(path.read_text().replace("{db}", db)):
                self._command(statement)
            self._insert(
                "schema_migrations", ("name", "applied_at"), [{"name": path.name, "applied_at": datetime.now(UTC)}]
            )
            applied.append(path.name)
        return applied

    @staticmethod
    def migration_names(directory: str | Path | None = None) -> list[str]:
        return sorted(path.name for path in Path(directory or settings.CLICKHOUSE_MIGRATIONS_DIR).glob("*.sql"))

    def applied_migrations(self) -> list[str]:
        return [
            name for (name,) in self._select(f"SELECT name FROM {self.database}.schema_migrations FINAL ORDER BY name")
        ]


class ClickHouseAnalytics(ClickHouseSQL):
    def __init__(self, *, host: str, port: int, database: str, user: str = "default", password: str = "") -> None:
        self.database = check_database_name(database)
        self.client = Client(
            host=host,
            port=port,
            user=user,
            password=password,
            connect_timeout=3,
            send_receive_timeout=30,
            settings={"use_numpy": False},
        )

    @classmethod
    def from_url(cls, url: str) -> "ClickHouseAnalytics":
        parsed = urlparse(url)
        return cls(
            host=parsed.hostname or "127.0.0.1",
            port=parsed.port or 9000,
            database=(parsed.path or "/payproc").lstrip("/") or "payproc",
            user=parsed.username or "default",
            password=parsed.password or "",
        )

    def _select(self, sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        return self.client.execute(sql, params)

    def _command(self, sql: str) -> None:
        self.client.execute(sql)

    def _insert(self, table: str, columns: tuple[str, ...], rows: list[dict[str, Any]]) -> None:
        if rows:
            values = [tuple(_naive_utc(row[column]) for column in columns) for row in rows]
            self.client.execute(f"INSERT INTO {self.database}.{table} ({', '.join(columns)}) VALUES", values)


def split_statements(sql: str) -> list[str]:
    """Statements of a migration file: `;`-terminated, `--` comments dropped."""
    lines = [line for line in sql.splitlines() if not line.strip().startswith("--")]
    return [statement.strip() for statement in "\n".join(lines).split(";") if statement.strip()]
