"""What an alert message says: severity, summary, who is concerned, links into the admin, and its buttons."""

from django.conf import settings

from .adapters.ports import Button
from .models import Incident, IncidentState

SEVERITY_MARK = {"critical": "🔴 CRITICAL", "warning": "🟠 WARNING", "info": "🔵 INFO"}


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
    return "\n".join(lines)


def incident_buttons(incident: Incident) -> list[Button]:
    if incident.state == IncidentState.FIRING:
        return [Button("Acknowledge", f"ack:{incident.pk}"), Button("Resolve", f"resolve:{incident.pk}")]
    if incident.state == IncidentState.ACKNOWLEDGED:
        return [Button("Resolve", f"resolve:{incident.pk}")]
    return []
