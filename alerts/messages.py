"""What an alert message says: severity, summary, who is concerned, links into the admin, and its buttons."""

from django.conf import settings

from .adapters.ports import Button
from .models import Incident, IncidentState

SEVERITY_MARK = {"critical": "🔴 CRITICAL", "warning": "🟠 WARNING", "info": "🔵 INFO"}
# Telegram refuses longer texts (4,096 characters, counted in UTF-16 code units).
MAX_MESSAGE_LENGTH = 4096
_CUT = "… (cut: the whole text is on the incident page)"


def _length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _fit(text: str, room: int) -> str:
    """`text` cut to `room` UTF-16 units, ending with a note that it was cut."""
    if _length(text) <= room:
        return text
    keep = max(0, room - _length(_CUT))
    cut = text[:keep]
    while _length(cut) > keep:
        cut = cut[:-1]
    return cut + _CUT


def admin_url(path: str) -> str:
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}/admin/{path}"


def incident_text(incident: Incident, *, heading: str = "") -> str:
    details = incident.details or {}
    lines = [
        f"{SEVERITY_MARK.get(incident.severity, incident.severity.upper())} · {incident.rule.name}",
        incident.summary,
    ]
    if heading:
        lines.insert(0, heading)
    if incident.group_key:
        lines.append(f"Group: {incident.group_key}")
    lines.append(f"Matches: {incident.match_count} since {incident.opened_at:%Y-%m-%d %H:%M:%S} UTC")
    merchant_id = details.get("merchant_id")
    if merchant_id:
        lines.append("Merchant: " + admin_url(f"transactions/merchant/{merchant_id}/change/"))
    for transaction_id in details.get("transaction_ids", [])[-5:]:
        lines.append("Payment: " + admin_url(f"transactions/transaction/{transaction_id}/change/"))
    if incident.state == IncidentState.ACKNOWLEDGED:
        lines.append(f"✅ Acknowledged by {incident.acknowledged_by} at {incident.acknowledged_at:%H:%M:%S} UTC")
    elif incident.state == IncidentState.RESOLVED:
        lines.append(f"☑️ Resolved by {incident.resolved_by} at {incident.resolved_at:%H:%M:%S} UTC")
    lines.append("Incident: " + admin_url(f"alerts/incident/{incident.pk}/change/"))
    # Too long for Telegram: the middle is cut; the heading line and the link to the incident always stay.
    first, middle, last = lines[0], "\n".join(lines[1:-1]), lines[-1]
    room = MAX_MESSAGE_LENGTH - _length(first) - _length(last) - 2
    return "\n".join([first, _fit(middle, room), last])


def incident_buttons(incident: Incident) -> list[Button]:
    if incident.state == IncidentState.FIRING:
        return [Button("Acknowledge", f"ack:{incident.pk}"), Button("Resolve", f"resolve:{incident.pk}")]
    if incident.state == IncidentState.ACKNOWLEDGED:
        return [Button("Resolve", f"resolve:{incident.pk}")]
    return []
