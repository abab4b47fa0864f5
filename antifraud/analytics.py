"""Analytics rows: what payment, decision, refund and label events become in the analytics store.

The store's port (the summary, the history the backtest replays) is adapters/ports.py; which store a
configuration uses is adapters/__init__.py.
"""

from datetime import datetime
from typing import Any, NamedTuple

from django.utils.dateparse import parse_datetime

from transactions.events import REFUND_FAILED, REFUND_SUCCEEDED, TRANSACTION_CREATED, TRANSACTION_STATUS_CHANGED

from .events import DECISION, FEATURES, FRAUD_REPORT
from .labels import PROVIDER_FRAUD_DECLINES, Label, LabelSource, report_label, review_label


def _ts(value: str) -> datetime:
    parsed = parse_datetime(value)
    assert parsed is not None, value
    return parsed


def payment_row(envelope: dict[str, Any]) -> dict[str, Any]:
    data = envelope["data"]
    return {
        "transaction_id": data["transaction_id"],
        "merchant_id": data["merchant_id"],
        "status": data["status"],
        "amount_minor": data["amount_minor"],
        "currency": data["currency"],
        "card_brand": data["card"]["brand"],
        "card_bin": data["card"]["bin"],
        "customer_country": data["customer"]["country"],
        # What the backtest needs to rebuild velocity windows (keyed fingerprint, never the PAN).
        "card_fingerprint": data["card"]["fingerprint"],
        "customer_email": data["customer"]["email"],
        "customer_ip": data["customer"]["ip"] or "",
        "device_id": data.get("device_id", ""),
        "created_at": _ts(data["created_at"]),
        "updated_at": _ts(envelope["occurred_at"]),
        "version": data.get("version", 1),
    }


def decision_row(envelope: dict[str, Any], created_at: datetime | None = None) -> dict[str, Any]:
    data = envelope["data"]
    decided_at = _ts(data["decided_at"])
    return {
        "transaction_id": data["transaction_id"],
        "merchant_id": data["merchant_id"],
        "score": data["score"],
        "decision": data["decision"],
        "fired_rules": [rule["rule"] for rule in data["fired_rules"]],
        "shadow_rules": [rule["rule"] for rule in data.get("shadow_rules", [])],
        "rules_version": data.get("rules_version") or 0,
        "amount_minor": data["amount_minor"],
        "currency": data["currency"],
        "created_at": created_at or decided_at,
        "decided_at": decided_at,
    }


def refund_row(envelope: dict[str, Any]) -> dict[str, Any]:
    data = envelope["data"]
    return {
        "refund_id": data["refund_id"],
        "transaction_id": data["transaction_id"],
        "merchant_id": data["merchant_id"],
        "status": data["status"],
        "amount_minor": data["amount_minor"],
        "currency": data["currency"],
        "created_at": _ts(data["created_at"]),
        "settled_at": _ts(envelope["occurred_at"]),
    }


def label_row(envelope: dict[str, Any]) -> dict[str, Any] | None:
    """The label an event gives its payment: a merchant's report, an analyst's review, a provider decline
    for fraud; None for the events that say nothing about fraud."""
    data, kind = envelope["data"], envelope["type"]
    if kind == FRAUD_REPORT:
        source, label = LabelSource.MERCHANT, report_label(data["reason"])
    elif kind == DECISION and data.get("decided_by", "").startswith("user:"):
        source, label = LabelSource.ANALYST, review_label(data["decision"])
    elif (
        kind == TRANSACTION_STATUS_CHANGED
        and data["status"] == "declined"
        and data.get("decline_reason") in PROVIDER_FRAUD_DECLINES
    ):
        source, label = LabelSource.PROVIDER, Label.FRAUD
    else:
        return None
    return {
        "transaction_id": data["transaction_id"],
        "merchant_id": data["merchant_id"],
        "source": source,
        "label": label,
        "labelled_at": _ts(envelope["occurred_at"]),
    }


def feature_rows(envelope: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "transaction_id": item["transaction_id"],
            "merchant_id": item["merchant_id"],
            "decided_at": _ts(item["decided_at"]),
            "feature_names": list(item["features"]),
            "feature_values": [float(value) for value in item["features"].values()],
        }
        for item in envelope["data"]["decisions"]
    ]


class Rows(NamedTuple):
    payments: list[dict[str, Any]]
    decisions: list[dict[str, Any]]
    refunds: list[dict[str, Any]]
    labels: list[dict[str, Any]]
    features: list[dict[str, Any]]


ANALYTICS_EVENTS = (
    TRANSACTION_CREATED,
    TRANSACTION_STATUS_CHANGED,
    DECISION,
    REFUND_SUCCEEDED,
    REFUND_FAILED,
    FRAUD_REPORT,
    FEATURES,
)


def rows_from_events(envelopes: list[dict[str, Any]]) -> Rows:
    """Split a batch of events into payment, decision, refund and label rows; other events are not analytics."""
    rows = Rows([], [], [], [], [])
    for envelope in envelopes:
        if envelope["type"] in {TRANSACTION_CREATED, TRANSACTION_STATUS_CHANGED}:
            rows.payments.append(payment_row(envelope))
        elif envelope["type"] == DECISION:
            rows.decisions.append(decision_row(envelope))
        elif envelope["type"] in {REFUND_SUCCEEDED, REFUND_FAILED}:
            rows.refunds.append(refund_row(envelope))
        elif envelope["type"] == FEATURES:
            rows.features.extend(feature_rows(envelope))
            continue
        if (label := label_row(envelope)) is not None:
            rows.labels.append(label)
    return rows
