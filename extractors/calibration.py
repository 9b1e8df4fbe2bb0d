"""Confidence calibration: the extractor's raw confidence → the accuracy observed at that confidence.

The raw confidence of a value is the rule's or model's certainty tempered by the OCR confidence of its words
(``layout.evidence``). It orders values well, but its scale is the rules' own guess: on held-out documents values
reported at 0.85 were right 97 times in 100. Calibration maps it, per field, through a monotone curve fitted by
isotonic regression (pool adjacent violators) on a generated set whose seed serves nothing else — not training, not
evaluation — so that a value reported at 0.9 is right about 9 times in 10.

A field with fewer than ``MIN_PAIRS`` values in the calibration set uses the curve fitted on all fields
(``ALL_FIELDS``). Each block of the fit is shrunk towards its own raw confidence by ``PRIOR`` pseudo-values, so a
block of a few values stays near what the rules said; nothing is reported above ``CEILING``. Values below
``extract.MIN_CONFIDENCE`` raw are still left empty: calibration changes what a confidence says, not what is read.

The curves are data shipped with the model (``ner/model/calibration.json``, made by ``claimflow model calibrate``);
their digest is part of the extractor's version string.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from itertools import groupby
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

SHIPPED = Path(__file__).resolve().parent / "ner" / "model" / "calibration.json"
#: The curve any field without its own uses: fitted on the values of every field.
ALL_FIELDS = "*"
#: A field needs this many values in the calibration set for a curve of its own.
MIN_PAIRS = 150
#: Pseudo-values, at a block's own raw confidence, added to every block of the fit.
PRIOR = 10.0
#: No value is reported surer than this: the calibration set is a few hundred documents, not proof.
CEILING = 0.995
FORMAT = "claimflow-calibration/1"


@dataclass(frozen=True)
class Curve:
    """A monotone piecewise-linear map: raw confidences ``xs`` (ascending) → calibrated ``ys`` (non-decreasing).
    Below the first knot it falls linearly to (0, 0); above the last it stays at the last value."""

    xs: tuple[float, ...]
    ys: tuple[float, ...]

    def __call__(self, raw: float) -> float:
        xs, ys = (0.0, *self.xs), (0.0, *self.ys)
        return float(np.interp(raw, xs, ys))


@dataclass(frozen=True)
class Calibration:
    """Curves by field path (``total``, ``patient.member_id``, ``diagnoses``, …) and what they were fitted on."""

    curves: Mapping[str, Curve] = field(default_factory=dict)
    source: Mapping[str, Any] = field(default_factory=dict)

    def __call__(self, path: str, raw: float) -> float:
        curve = self.curves.get(path) or self.curves.get(ALL_FIELDS)
        if curve is None:
            return raw
        return round(min(CEILING, max(0.0, curve(raw))), 3)

    @cached_property
    def digest(self) -> str:
        """Eight hex digits naming the curves (empty for no calibration); named in every extraction, so computed
        once."""
        if not self.curves:
            return ""
        blob = json.dumps({k: [c.xs, c.ys] for k, c in sorted(self.curves.items())}, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:8]

    def to_json(self) -> str:
        return json.dumps({
            "format": FORMAT,
            "digest": self.digest,
            "source": dict(self.source),
            "curves": {k: {"raw": list(c.xs), "calibrated": list(c.ys)} for k, c in sorted(self.curves.items())},
        }, indent=1) + "\n"

    @classmethod
    def from_json(cls, text: str, *, where: str = "calibration") -> Calibration:
        data = json.loads(text)
        if data.get("format") != FORMAT:
            raise ValueError(f"{where}: not a {FORMAT} file (format {data.get('format')!r})")
        curves = {}
        for k, c in data["curves"].items():
            xs, ys = tuple(map(float, c["raw"])), tuple(map(float, c["calibrated"]))
            if len(xs) != len(ys) or not xs or list(xs) != sorted(xs) or list(ys) != sorted(ys):
                raise ValueError(f"{where}: curve {k!r} is not a monotone list of knots")
            curves[k] = Curve(xs, ys)
        return cls(curves, data.get("source") or {})


#: No calibration: every confidence is reported as the rules computed it.
IDENTITY = Calibration()


@cache
def shipped() -> Calibration:
    """The calibration shipped with the model (identity, with a warning, if the file is missing)."""
    if not SHIPPED.is_file():
        log.warning("no calibration at %s; confidences are reported uncalibrated", SHIPPED)
        return IDENTITY
    return Calibration.from_json(SHIPPED.read_text("utf-8"), where=str(SHIPPED))


def fit(pairs: Iterable[tuple[str, float, bool]], source: Mapping[str, Any] | None = None) -> Calibration:
    """Curves from (field path, raw confidence, whether the value was right) triples of a calibration set."""
    by_field: dict[str, list[tuple[float, bool]]] = {}
    everything: list[tuple[float, bool]] = []
    for path, raw, correct in pairs:
        by_field.setdefault(path, []).append((raw, correct))
        everything.append((raw, correct))
    if not everything:
        raise ValueError("no confidences to calibrate on")
    curves = {ALL_FIELDS: _isotonic(everything)}
    for path, pts in sorted(by_field.items()):
        if len(pts) >= MIN_PAIRS:
            curves[path] = _isotonic(pts)
    counts = {k: len(v) for k, v in sorted(by_field.items())}
    return Calibration(curves, {**(source or {}), "values": counts, "min_pairs": MIN_PAIRS, "prior": PRIOR})


def _isotonic(points: list[tuple[float, bool]]) -> Curve:
    """Pool adjacent violators over the values sorted by raw confidence, each block shrunk towards its own mean raw
    confidence by ``PRIOR`` pseudo-values, pooled again where shrinking broke the order."""
    blocks: list[list[float]] = []  # [weight, sum of outcomes, sum of raw confidences]
    for raw, group in groupby(sorted(points), key=lambda p: p[0]):
        outcomes = [c for _, c in group]
        blocks.append([float(len(outcomes)), float(sum(outcomes)), raw * len(outcomes)])
    blocks = _pool(blocks)
    shrunk = [[w + PRIOR, s + PRIOR * (r / w), r + PRIOR * (r / w)] for w, s, r in blocks]
    shrunk = _pool(shrunk)
    xs = tuple(round(r / w, 4) for w, _, r in shrunk)
    ys = tuple(round(s / w, 4) for w, s, _ in shrunk)
    return Curve(xs, ys)


def _pool(blocks: list[list[float]]) -> list[list[float]]:
    out: list[list[float]] = []
    for b in blocks:
        out.append(list(b))
        while len(out) > 1 and out[-2][1] / out[-2][0] >= out[-1][1] / out[-1][0]:
            w, s, r = out.pop()
            out[-1][0] += w
            out[-1][1] += s
            out[-1][2] += r
    return out


__all__ = ["ALL_FIELDS", "CEILING", "IDENTITY", "MIN_PAIRS", "PRIOR", "SHIPPED", "Calibration", "Curve", "fit",
           "shipped"]
