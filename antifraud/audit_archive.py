"""The audit log's copy off the main database, in the analytics store (ClickHouse), where nobody who can
only reach the database can change it.

Beat ships every minute what the store does not have yet. An entry's id and time are taken before its
transaction commits, so one can become visible after a newer one was shipped: each run ships again
everything from OVERLAP before the newest entry the store holds, and the store keeps one row per entry.
"""

import json
from datetime import timedelta
from typing import Any

from audit.models import AuditEntry

from .adapters.ports import AuditArchive

OVERLAP = timedelta(minutes=10)
BATCH = 5_000


def archive_row(entry: AuditEntry) -> dict[str, Any]:
    """An entry as the store keeps it: before and after as JSON text."""
    return {
        "entry_id": entry.pk,
        "at": entry.at,
        "actor": entry.actor,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "before": json.dumps(entry.before, sort_keys=True),
        "after": json.dumps(entry.after, sort_keys=True),
        "note": entry.note,
    }


def ship_audit_entries(*, archive: AuditArchive) -> int:
    """Copy the entries the archive lacks (and the overlap again); returns how many were sent."""
    latest = archive.latest_audit_at()
    entries = AuditEntry.objects.order_by("id")
    if latest is not None:
        entries = entries.filter(at__gte=latest - OVERLAP)
    sent, after_id = 0, 0
    while batch := list(entries.filter(id__gt=after_id)[:BATCH]):
        archive.write_audit([archive_row(entry) for entry in batch])
        sent, after_id = sent + len(batch), batch[-1].pk
    return sent
