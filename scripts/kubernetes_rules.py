"""Write deploy/kubernetes's PrometheusRule from config/prometheus_rules.yml: the same groups, untouched,
wrapped for the Prometheus Operator. config/ stays the one source; tests/deploy checks the two agree.

Usage: python scripts/kubernetes_rules.py   (`make kubernetes-rules`)
"""

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "config" / "prometheus_rules.yml"
TARGET = ROOT / "deploy" / "kubernetes" / "components" / "monitoring" / "prometheus-rule.yaml"
HEADER = (
    "# Generated from config/prometheus_rules.yml by scripts/kubernetes_rules.py (`make kubernetes-rules`):\n"
    "# edit that file, not this one.\n"
)


class _Dumper(yaml.SafeDumper):
    """Multi-line expressions as literal blocks, as config/ writes them, so the two read alike."""


_Dumper.add_representer(
    str,
    lambda dumper, text: dumper.represent_scalar("tag:yaml.org,2002:str", text, style="|" if "\n" in text else None),
)


def render() -> str:
    groups = yaml.safe_load(SOURCE.read_text())["groups"]
    rule = {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {"name": "payproc", "labels": {"release": "kube-prometheus-stack"}},
        "spec": {"groups": groups},
    }
    return HEADER + yaml.dump(rule, Dumper=_Dumper, sort_keys=False, width=120, allow_unicode=True)


if __name__ == "__main__":
    TARGET.write_text(render())
    sys.stdout.write(f"wrote {TARGET.relative_to(ROOT)}\n")
