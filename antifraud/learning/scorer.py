"""A model version loaded for scoring: LightGBM's trees and the isotonic calibration, from the version's
stored text. Each process loads the live and the shadow version once and again only when the versions
change (a shared version token, like the rules')."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from payproc.cache_versions import VersionedMemo

from ..features import RULE_PREFIX, Vector
from ..models import FraudModelVersion, ModelStatus

if TYPE_CHECKING:
    import lightgbm
    import numpy as np

MAX_RISK = 100


def feature_matrix(vectors: Sequence[Vector], columns: Sequence[str]) -> np.ndarray:
    """The vectors as the trees' input: a rule that did not fire is 0; any other absent value is missing
    (NaN) to the trees."""
    import numpy as np

    defaults = [0.0 if name.startswith(RULE_PREFIX) else np.nan for name in columns]
    rows = [
        [
            value if (value := vector.get(name)) is not None else default
            for name, default in zip(columns, defaults, strict=True)
        ]
        for vector in vectors
    ]
    return np.asarray(rows, dtype=float).reshape(len(rows), len(columns))


@dataclass(frozen=True, slots=True)
class LoadedModel:
    version: int
    booster: lightgbm.Booster
    features: tuple[str, ...]
    calibration_x: np.ndarray
    calibration_y: np.ndarray

    @classmethod
    def of(cls, row: FraudModelVersion) -> LoadedModel:
        # Imported here: numpy and LightGBM (which pulls in scikit-learn) cost every process ~150 MB
        # and seconds of start-up; only a process that scores with a model needs them.
        import lightgbm
        import numpy as np

        return cls(
            version=row.number,
            booster=lightgbm.Booster(model_str=row.booster),
            features=tuple(row.features),
            calibration_x=np.asarray(row.calibration["x"], dtype=float),
            calibration_y=np.asarray(row.calibration["y"], dtype=float),
        )

    def matrix(self, vectors: Sequence[Vector]) -> np.ndarray:
        return feature_matrix(vectors, self.features)

    def probabilities(self, matrix: np.ndarray) -> np.ndarray:
        import numpy as np

        raw = self.booster.predict(matrix, num_threads=1)
        return np.interp(raw, self.calibration_x, self.calibration_y)

    def risk_scores(self, matrix: np.ndarray) -> list[int]:
        """The calibrated probability of fraud in percent, 0-100."""
        return [int(min(max(p, 0.0), 1.0) * MAX_RISK + 0.5) for p in self.probabilities(matrix).tolist()]

    def contributions(self, matrix: np.ndarray) -> np.ndarray:
        """TreeSHAP contributions per feature (log-odds), the last column the expected value."""
        return self.booster.predict(matrix, pred_contrib=True, num_threads=1)


@dataclass(frozen=True, slots=True)
class ScoringModels:
    live: LoadedModel | None = None
    shadow: LoadedModel | None = None


# The rules' version token ("fraud-rules"): scoring reads it once per batch for the rules and the models
# alike, and a change to either reloads both (rare; a shared cache read per batch saved).
_models: VersionedMemo[str, ScoringModels] = VersionedMemo("fraud-rules")


def _load() -> ScoringModels:
    live = FraudModelVersion.objects.filter(status=ModelStatus.LIVE).first()
    shadow = FraudModelVersion.objects.filter(status__in=[ModelStatus.SHADOW, ModelStatus.PROPOSED]).first()
    return ScoringModels(live=LoadedModel.of(live) if live else None, shadow=LoadedModel.of(shadow) if shadow else None)


def scoring_models(*, version: str | None = None) -> ScoringModels:
    """The live and shadow models; `version`: the rules' token when the caller has just read it."""
    if version is None:
        return _models.get("models", _load) or ScoringModels()
    return _models.get("models", _load, version=version) or ScoringModels()


def forget_models() -> None:
    """Every process reloads the live and shadow models on its next payment (called when they change)."""
    _models.forget()


@lru_cache(maxsize=4)
def loaded_version(number: int) -> LoadedModel | None:
    """A stored version by number, loaded once per process (versions never change once trained)."""
    row = FraudModelVersion.objects.filter(number=number).first()
    return LoadedModel.of(row) if row else None
