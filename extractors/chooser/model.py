"""A field chooser's model: candidates' features in, a probability per candidate out; stored as one JSON file.

Two learners can be stored: ``lightgbm`` (gradient-boosted trees, LightGBM's own text model inside the JSON) and
``logistic`` (standardised logistic regression, its coefficients). Which one is shipped, and why, is in
``extractors/chooser/README.md``. The file records the feature names it was trained on (a model never scores
features in another order), the training recipe and data; its digest names it in every extraction.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import numpy as np

from claimflow.errors import ConfigurationError

FORMAT = "claimflow-chooser/1"
SHIPPED_DIR = Path(__file__).resolve().parent
LEARNERS = ("lightgbm", "logistic")


@dataclass(frozen=True)
class ChooserModel:
    """One field's scorer."""

    field: str
    learner: str
    features: tuple[str, ...]
    params: dict[str, Any]
    training: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def _booster(self):  # type: ignore[no-untyped-def]
        import lightgbm

        return lightgbm.Booster(model_str=self.params["model"])

    def predict(self, x: np.ndarray) -> np.ndarray:
        """The probability that each row's candidate is the field's value."""
        if x.shape[1] != len(self.features):
            raise ValueError(f"{x.shape[1]} features given, the {self.field} chooser takes {len(self.features)}")
        if not len(x):
            return np.zeros(0)
        if self.learner == "lightgbm":
            return np.asarray(self._booster.predict(x, num_threads=1), float)
        p = self.params
        z = ((x - np.asarray(p["mean"])) / np.asarray(p["scale"])) @ np.asarray(p["coef"]) + p["intercept"]
        return 1.0 / (1.0 + np.exp(-z))

    def to_json(self) -> str:
        return json.dumps({"format": FORMAT, "field": self.field, "learner": self.learner,
                           "features": list(self.features), "training": self.training, "params": self.params},
                          indent=1, sort_keys=True) + "\n"

    @cached_property
    def digest(self) -> str:
        """Eight hex digits of the stored form: what an extraction names."""
        return hashlib.sha256(self.to_json().encode()).hexdigest()[:8]

    @property
    def version(self) -> str:
        return f"{self.field}-chooser {self.learner} {self.digest}"


def best(model: ChooserModel, x: np.ndarray) -> tuple[int, float] | None:
    """The index of the candidate row of ``x`` the model scores highest (the first of equals) and its probability;
    None without candidates."""
    if not len(x):
        return None
    p = model.predict(x)
    i = int(np.argmax(p))
    return i, float(p[i])


def from_json(text: str, source: str = "<string>") -> ChooserModel:
    try:
        d = json.loads(text)
        if d.get("format") != FORMAT or d.get("learner") not in LEARNERS:
            raise ValueError(f"not a {FORMAT} file of a known learner")
        return ChooserModel(d["field"], d["learner"], tuple(d["features"]), d["params"], d.get("training", {}))
    except (ValueError, KeyError, TypeError) as e:
        raise ConfigurationError(f"chooser model {source}: {e}", hint="retrain it with `claimflow model train-chooser`") from e


def shipped_path(field_name: str) -> Path:
    return SHIPPED_DIR / f"{field_name}.json"


@cache
def shipped(field_name: str) -> ChooserModel | None:
    """The shipped model of ``field_name`` (``extractors/chooser/<field>.json``), None when none is shipped."""
    path = shipped_path(field_name)
    if not path.is_file():
        return None
    return from_json(path.read_text("utf-8"), str(path))


def fit(field_name: str, features: Sequence[str], x: np.ndarray, y: np.ndarray, *, learner: str = "logistic",
        seed: int = 0, training: dict[str, Any] | None = None, c: float = 1.0) -> ChooserModel:
    """Train a chooser on candidates ``x`` labelled ``y`` (1: the candidate is the field's true value);
    ``c``: the logistic learner's inverse regularisation strength. Deterministic: one thread, fixed seed."""
    if learner not in LEARNERS:
        raise ValueError(f"unknown learner {learner!r} (one of {', '.join(LEARNERS)})")
    recipe = {**(training or {}), "seed": seed, "candidates": int(len(y)), "positives": int(np.sum(y))}
    if learner == "lightgbm":
        import lightgbm

        params = {**LGBM_PARAMS, "seed": seed}
        booster = lightgbm.train(params, lightgbm.Dataset(x, y.astype(float), feature_name=list(features),
                                                          params={"verbose": -1}),
                                 num_boost_round=LGBM_ROUNDS)
        recipe["params"] = {**params, "rounds": LGBM_ROUNDS}
        recipe["library"] = f"lightgbm {lightgbm.__version__}"
        return ChooserModel(field_name, learner, tuple(features), {"model": booster.model_to_string()}, recipe)
    import sklearn
    from sklearn.linear_model import LogisticRegression

    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    lr = LogisticRegression(C=c, max_iter=2000, random_state=seed).fit((x - mean) / scale, y)
    params_lr = {"mean": [float(v) for v in mean], "scale": [float(v) for v in scale],
                 "coef": [float(v) for v in lr.coef_[0]], "intercept": float(lr.intercept_[0])}
    recipe["params"] = {"C": c}
    recipe["library"] = f"scikit-learn {sklearn.__version__}"
    return ChooserModel(field_name, learner, tuple(features), params_lr, recipe)


#: Small trees, few rounds: a few thousand candidates, a few hundred positives. One thread and the deterministic
#: mode make training byte-identical run to run.
LGBM_PARAMS: dict[str, Any] = {
    "objective": "binary", "learning_rate": 0.05, "num_leaves": 15, "min_data_in_leaf": 10, "feature_fraction": 0.8,
    "bagging_fraction": 0.8, "bagging_freq": 1, "lambda_l2": 1.0, "num_threads": 1, "deterministic": True,
    "force_row_wise": True, "verbose": -1,
}
LGBM_ROUNDS = 300


__all__ = ["FORMAT", "LEARNERS", "ChooserModel", "best", "fit", "from_json", "shipped", "shipped_path"]
