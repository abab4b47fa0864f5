"""Rules and thresholds as YAML (config/antifraud_rules.yaml): load into the database and export back."""

from pathlib import Path

from .rule_documents import live_document, parse_yaml, to_yaml
from .services.rule_sets import apply_document


def load_rules(path: str | Path, *, actor: str) -> int:
    """Create or update the rules and thresholds named in the file (by name), published as one version;
    rules the file does not name are left alone. The file is reviewed where it is kept (version control),
    so loading it is not a proposal. Raises ValidationError listing every problem, changing nothing."""
    document = parse_yaml(Path(path).read_text())
    apply_document(document, actor=actor, summary=f"loaded from {Path(path).name}", delete_missing=False)
    return len(document["rules"])


def export_rules() -> str:
    return to_yaml(live_document())
