"""Drift: the population stability index (PSI) of the risk score and of a model's top features, today
against the validation window the model was measured on. PSI above 0.2 is the usual sign that the
population moved enough for the model's figures to no longer hold.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    import numpy as np

    from ..models import FraudModelVersion

SCORE_EDGES = [10, 20, 30, 40, 50, 60, 70, 80, 90]
QUANTILES = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
FLOOR = 1e-4  # an empty bin counts as this share, so the logarithm stays finite


def _shares(values: np.ndarray, edges: Sequence[float]) -> list[float]:
    import numpy as np

    values = values[~np.isnan(values)]
    if not len(values):
        return [0.0] * (len(edges) + 1)
    counts = np.bincount(np.searchsorted(edges, values, side="right"), minlength=len(edges) + 1)
    return [round(float(count) / len(values), 6) for count in counts]


def bins(values: np.ndarray, edges: Sequence[float]) -> dict[str, Any]:
    import numpy as np

    return {"edges": [float(edge) for edge in edges], "shares": _shares(np.asarray(values, dtype=float), edges)}


def reference_bins(
    scores: Sequence[int], matrix: np.ndarray, columns: Sequence[str], features: Sequence[str]
) -> dict[str, Any]:
    """The reference distributions: the risk score in fixed bins of 10, each feature in its deciles."""
    import numpy as np

    reference: dict[str, Any] = {"risk_score": bins(np.asarray(scores, dtype=float), SCORE_EDGES), "features": {}}
    for name in features:
        column = matrix[:, columns.index(name)]
        present = column[~np.isnan(column)]
        edges = sorted(set(np.quantile(present, QUANTILES).tolist())) if len(present) else []
        reference["features"][name] = bins(column, edges)
    return reference


def psi(reference: dict[str, Any], values: Sequence[float]) -> float | None:
    """The PSI of `values` against a reference's bins; None when there is nothing to compare."""
    import numpy as np

    current = _shares(np.asarray(values, dtype=float), reference["edges"])
    if not any(current) or not any(reference["shares"]):
        return None
    expected = np.maximum(np.asarray(reference["shares"]), FLOOR)
    actual = np.maximum(np.asarray(current), FLOOR)
    return round(float(np.sum((actual - expected) * np.log(actual / expected))), 4)


DRIFT_WINDOW = timedelta(days=1)
DRIFT_SAMPLE = 50_000


def measure_drift(version: FraudModelVersion, *, now: datetime | None = None) -> dict[str, Any]:
    """The PSI of the day's risk scores and top features (the version's latest decisions, live or in
    shadow) against its reference; stored on the version for the metric to read."""
    from ..models import FraudDecision, ModelStatus

    now = now or timezone.now()
    live = version.status == ModelStatus.LIVE
    decisions = FraudDecision.objects.filter(decided_at__gte=now - DRIFT_WINDOW, decided_at__lt=now)
    decisions = (
        decisions.filter(model_version=version.number)
        if live
        else decisions.filter(shadow_model_version=version.number)
    )
    rows = list(decisions.order_by("-id").values_list("score" if live else "shadow_score", "features")[:DRIFT_SAMPLE])
    found: dict[str, float] = {}
    if rows and version.reference:
        measured = psi(version.reference["risk_score"], [score for score, _ in rows if score is not None])
        if measured is not None:
            found["risk_score"] = measured
        for name, bins_of in version.reference.get("features", {}).items():
            values = [features.get(name, float("nan")) for _, features in rows]
            measured = psi(bins_of, values)
            if measured is not None:
                found[name] = measured
    version.drift = {"measured_at": now.isoformat(), "payments": len(rows), "psi": found}
    version.save(update_fields=["drift"])
    return version.drift


class ModelDriftCollector(Collector):
    """payproc_fraud_model_psi{model, status, measure}: the latest daily PSI of the live and the shadow
    model, read from the database when Prometheus scrapes the web process."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from ..models import FraudModelVersion, ModelStatus

        family = GaugeMetricFamily(
            "payproc_fraud_model_psi",
            "Population stability index of a fraud model's risk score and top features, today against its "
            "validation window (above 0.2: the population moved).",
            labels=["model", "status", "measure"],
        )
        watched = FraudModelVersion.objects.filter(
            status__in=[ModelStatus.LIVE, ModelStatus.SHADOW, ModelStatus.PROPOSED]
        ).only("number", "status", "drift")
        for version in watched:
            for measure, value in (version.drift or {}).get("psi", {}).items():
                family.add_metric([str(version.number), version.status, measure], value)
        yield family
