"""An object's history as the admin shows it: its audit entries, oldest first, as a table. The audit log is
the one history of rule and incident changes; pages render it rather than keep a copy."""

from django.db import models
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from .services import notes_for


def history_table(target: models.Model) -> SafeString:
    entries = list(reversed(notes_for(target))) if target.pk else []
    if not entries:
        return format_html("<p>{}</p>", "No history yet.")
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (f"{entry.at:%Y-%m-%d %H:%M:%S}", entry.actor, entry.action.split(".", 1)[-1], _change(entry))
            for entry in entries
        ),
    )
    return format_html(
        "<table><thead><tr><th>at (UTC)</th><th>by</th><th>what</th><th>detail</th></tr></thead>"
        "<tbody>{}</tbody></table>",
        rows,
    )


def _change(entry: object) -> str:
    parts = [getattr(entry, "note", "")]
    before, after = getattr(entry, "before", None), getattr(entry, "after", None)
    if isinstance(before, dict) and isinstance(after, dict):
        changed = sorted(key for key in {*before, *after} if before.get(key) != after.get(key))
        parts += [f"{key}: {before.get(key)!r} → {after.get(key)!r}" for key in changed]
    return "; ".join(part for part in parts if part)
