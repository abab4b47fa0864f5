"""Drift: the population stability index (PSI) of the risk score and of a model's top features, today
against the validation window the model was measured on. PSI above 0.2 is the usual sign that the
population moved enough for the model's figures to no longer hold.
"""

from collections.abc import Sequence
from typing import Any

import numpy as np

SCORE_EDGES = [10, 20, 30, 40, 50, 60, 70, 80, 90]
QUANTILES = np.linspace(0.1, 0.9, 9)
FLOOR = 1e-4  # an empty bin counts as this share, so the logarithm stays finite


def _shares(values: np.ndarray, edges: Sequence[float]) -> list[float]:
    values = values[~np.isnan(values)]
    if not len(values):
        return [0.0] * (len(edges) + 1)
    counts = np.bincount(np.searchsorted(edges, values, side="right"), minlength=len(edges) + 1)
    return [round(float(count) / len(values), 6) for count in counts]


def bins(values: np.ndarray, edges: Sequence[float]) -> dict[str, Any]:
    return {"edges": [float(edge) for edge in edges], "shares": _shares(np.asarray(values, dtype=float), edges)}


def reference_bins(
    scores: Sequence[int], matrix: np.ndarray, columns: Sequence[str], features: Sequence[str]
) -> dict[str, Any]:
    """The reference distributions: the risk score in fixed bins of 10, each feature in its deciles."""
    reference: dict[str, Any] = {"risk_score": bins(np.asarray(scores, dtype=float), SCORE_EDGES), "features": {}}
    for name in features:
        column = matrix[:, columns.index(name)]
        present = column[~np.isnan(column)]
        edges = sorted(set(np.quantile(present, QUANTILES).tolist())) if len(present) else []
        reference["features"][name] = bins(column, edges)
    return reference


def psi(reference: dict[str, Any], values: Sequence[float]) -> float | None:
    """The PSI of `values` against a reference's bins; None when there is nothing to compare."""
    current = _shares(np.asarray(values, dtype=float), reference["edges"])
    if not any(current) or not any(reference["shares"]):
        return None
    expected = np.maximum(np.asarray(reference["shares"]), FLOOR)
    actual = np.maximum(np.asarray(current), FLOOR)
    return round(float(np.sum((actual - expected) * np.log(actual / expected))), 4)
