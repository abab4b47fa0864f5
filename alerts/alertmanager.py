"""Prometheus alerts from Alertmanager's webhook become incidents through the same rules.

Each alert is an `alertmanager.alert` event whose data carries its labels; rules match on labels and
group by `{data.group_key}`: the alert's `group` label when it has one, else all its labels, sorted. An
alert labelled `condition` reports that condition: its incident is the one a domain rule with the same
condition and grouping key opened (one incident per outage). `resolved` resolves the open incident.
"""

from typing import Any

from .evaluation import evaluate_now
from .events import ALERTMANAGER_ALERT
from .services import match_rules, resolve_matching


def alert_event(alert: dict[str, Any]) -> dict[str, Any]:
    labels = {str(k): str(v) for k, v in (alert.get("labels") or {}).items()}
    annotations = {str(k): str(v) for k, v in (alert.get("annotations") or {}).items()}
    label_key = ",".join(f"{k}={v}" for k, v in sorted(labels.items()))
    return {
        "event_id": f"alertmanager:{alert.get('fingerprint', '')}:{alert.get('startsAt', '')}",
        "type": ALERTMANAGER_ALERT,
        "occurred_at": alert.get("startsAt"),
        "data": {
            "status": alert["status"],
            "labels": labels,
            "annotations": annotations,
            "label_key": label_key,
            "group_key": labels.get("group") or label_key,
            "condition": labels.get("condition") or f"prometheus:{labels.get('alertname', '')}",
            "fingerprint": alert.get("fingerprint", ""),
            "generator_url": alert.get("generatorURL", ""),
        },
    }


def receive(payload: dict[str, Any]) -> dict[str, int]:
    """Apply one webhook call (its `alerts`); returns how many incidents fired and resolved."""
    fired = resolved = 0
    for alert in payload["alerts"]:
        event = alert_event(alert)
        if alert["status"] == "firing":
            fired += len(evaluate_now(event, severity=event["data"]["labels"].get("severity")))
        else:
            for match in match_rules(event, count_windows=False):
                resolved += resolve_matching(match=match, actor="alertmanager") is not None
    return {"fired": fired, "resolved": resolved}
