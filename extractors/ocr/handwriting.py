"""Which words on a page were written by hand: a small logistic model over the geometry of each word's ink.

Print is set: every glyph of a line sits on one baseline, glyphs of a kind share one height, and a glyph is one
stroke pattern repeated. Handwriting wanders: letters sit above and below the line, tops and heights vary, and the
ink is a thin pen trace. Each word tesseract read is scored from its own pixels (its crop of the page image tesseract
was given, binarized on its own with Otsu, then closed a little so that dot-matrix and broken print become whole
glyphs): how many of its glyphs share one baseline, how far the others stray, how even their heights and tops are,
how many glyphs per character, how dense the ink is, how much of its edge is upright or level (stems and bars), and
tesseract's own confidence. Words with fewer than three glyph-sized marks (digits "12", a "$") are not scored.

The model's weights (handwriting.json) are fitted by ``fit`` (``claimflow model handwriting``) on generated bills and
real receipts: the pages of fully handwritten bills against the pages of printed ones and of real printed receipts
(recipe and figures: extractors/ocr/README.md, "Handwriting"). The score is a log odds; extraction decides from it per value and per page (extractors/extract.py).
"""

from __future__ import annotations

import bisect
import functools
import json
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

#: Feature names, in the order of ``features``.
NAMES = ("aligned", "aligned_loose", "log_marks", "confidence", "baseline_dev", "height_cv", "top_dev",
         "marks_per_char", "ink_density", "glyph_fill", "upright_edges", "level_edges")
#: Marks smaller than this many pixels, or lower than ``MIN_MARK_HEIGHT``, are specks, not glyphs.
MIN_MARK_AREA = 6
MIN_MARK_HEIGHT = 3
#: Closing kernel, as a share of the word's height: joins the dots of dot-matrix print and the breaks of worn print.
CLOSE_SHARE = 0.08
#: The steepest baseline a word is straightened by (about 6 degrees): a photographed page's perspective, not a hand.
MAX_SLOPE = 0.1


@dataclass(frozen=True)
class Model:
    """Standardize each feature by (mean, sd), then log odds = weights · z + bias."""

    mean: tuple[float, ...]
    sd: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float

    source: dict = field(default_factory=dict, compare=False)  # what it was fitted on

    def score(self, x: np.ndarray) -> np.ndarray:
        z = (x - np.asarray(self.mean)) / np.asarray(self.sd)
        return z @ np.asarray(self.weights) + self.bias

    def to_json(self) -> str:
        return json.dumps({"features": list(NAMES), "mean": self.mean, "sd": self.sd, "weights": self.weights,
                           "bias": self.bias, "source": self.source}, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Model:
        d = json.loads(text)
        if tuple(d.get("features", ())) != NAMES:
            raise ValueError(f"handwriting weights are for features {d.get('features')}, this code computes {NAMES}")
        return cls(tuple(d["mean"]), tuple(d["sd"]), tuple(d["weights"]), float(d["bias"]), d.get("source", {}))


def _aligned(bottoms: list[float], tol: float) -> int:
    """The most glyphs that sit on one baseline: within ``tol`` pixels of one glyph's bottom."""
    b = sorted(bottoms)
    return max(bisect.bisect_right(b, x + tol) - bisect.bisect_left(b, x - tol) for x in b)


def _slope(points: list[tuple[float, float]]) -> float:
    """Theil-Sen slope of the glyphs' bottoms (the median of the pairwise slopes: a descender or two do not tilt it),
    at most ``MAX_SLOPE``."""
    slopes = [(b2 - b1) / (x2 - x1) for i, (x1, b1) in enumerate(points) for x2, b2 in points[i + 1:] if x2 != x1]
    if not slopes:
        return 0.0
    return max(-MAX_SLOPE, min(MAX_SLOPE, statistics.median(slopes)))


def _mean_dev(values: list[float]) -> float:
    """Mean absolute deviation from the median."""
    m = statistics.median(values)
    return sum(abs(v - m) for v in values) / len(values)


def features(ink: np.ndarray, text: str, confidence: float) -> np.ndarray | None:
    """Features of one word from its binarized crop (1 = ink); None when it has too few glyph-sized marks.
    (Per-glyph figures are plain Python: a word has a handful of glyphs, where numpy's per-call cost dominates.)"""
    h, w = ink.shape
    if h < 4 or w < 4:
        return None
    r = max(2, round(h * CLOSE_SHARE))
    closed = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, np.ones((r, r), np.uint8))
    _, _, stats, _ = cv2.connectedComponentsWithStats(closed, connectivity=8)
    marks = [(left + wd / 2, float(top), float(hh), int(area)) for left, top, wd, hh, area in stats[1:].tolist()
             if area >= MIN_MARK_AREA and hh >= MIN_MARK_HEIGHT]
    if len(marks) < 3:
        return None
    heights = [m[2] for m in marks]
    mh = statistics.median(heights)
    line = [m for m in marks if m[2] >= 0.5 * mh]
    if len(line) < 3:
        return None
    # a photographed page's lines slope and bend: measure the glyphs against the word's own straight baseline
    slope = _slope([(x, t + hh) for x, t, hh, _ in line])
    tops = [t - slope * x for x, t, _, _ in marks]
    bottoms = [t + hh for t, hh in zip(tops, heights, strict=True)]
    on_line = [b for b, hh in zip(bottoms, heights, strict=True) if hh >= 0.5 * mh]
    aligned = _aligned(on_line, max(1.0, 0.05 * mh)) / len(on_line)
    aligned_loose = _aligned(on_line, max(1.0, 0.10 * mh)) / len(on_line)
    mb = statistics.median(bottoms)
    near = [abs(b - mb) for b in bottoms if abs(b - mb) < 0.3 * mh]
    baseline_dev = sum(near) / len(near) / mh if len(near) >= 2 else 0.0
    tallest = max(heights)
    tall = [(t, hh) for t, hh in zip(tops, heights, strict=True) if hh >= 0.6 * tallest]
    if len(tall) >= 2:
        th = [hh for _, hh in tall]
        mean = sum(th) / len(th)
        height_cv = math.sqrt(sum((v - mean) ** 2 for v in th) / len(th)) / mean
        top_dev = _mean_dev([t for t, _ in tall]) / mh
    else:
        height_cv = top_dev = 0.0
    chars = sum(c.isalnum() for c in text)
    upright, level = _edges(ink)
    return np.array([
        aligned, aligned_loose, math.log(len(on_line)), confidence, baseline_dev, height_cv, top_dev,
        len(marks) / max(1, chars), cv2.countNonZero(ink) / ink.size, sum(m[3] for m in marks) / (tallest * w),
        upright, level,
    ])


def _edges(ink: np.ndarray) -> tuple[float, float]:
    """Shares of the word's edge strength on upright and on level edges: type has straight stems and bars, a pen's
    strokes lean and curve."""
    gx = np.abs(cv2.Sobel(ink, cv2.CV_32F, 1, 0, ksize=3))
    gy = np.abs(cv2.Sobel(ink, cv2.CV_32F, 0, 1, ksize=3))
    g = gx + gy
    total = float(g.sum()) + 1e-6
    return float(g[gy < 0.15 * gx].sum()) / total, float(g[gx < 0.15 * gy].sum()) / total


#: A word crop whose grey levels span less than this holds no ink to measure.
MIN_CONTRAST = 40


def word_ink(crop: np.ndarray) -> np.ndarray | None:
    """A word's crop of the page image, binarized on its own (Otsu; 1 = ink): one threshold for the whole page
    breaks the strokes of faint print on a photo's darker side into fragments that wander like a hand."""
    if crop.size == 0 or int(crop.max()) - int(crop.min()) < MIN_CONTRAST:
        return None
    _, ink = cv2.threshold(crop, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    return ink


def word_features(work: np.ndarray, boxes: Sequence[tuple[int, int, int, int]], texts: Sequence[str],
                  confidences: Sequence[float]) -> list[np.ndarray | None]:
    """``features`` of each word box (left, top, width, height) on the page image tesseract read."""
    out: list[np.ndarray | None] = []
    for (left, top, width, height), text, conf in zip(boxes, texts, confidences, strict=True):
        ink = word_ink(work[max(0, top): top + height, max(0, left): left + width])
        out.append(None if ink is None else features(ink, text, conf))
    return out


def scores(work: np.ndarray, boxes: Sequence[tuple[int, int, int, int]], texts: Sequence[str],
           confidences: Sequence[float], model: Model | None = None) -> list[float | None]:
    """Log odds that each word is handwritten (None: too few marks to tell)."""
    return score_features(word_features(work, boxes, texts, confidences), model)


def score_features(feats: Sequence[np.ndarray | None], model: Model | None = None) -> list[float | None]:
    model = model or shipped()
    rows = [f for f in feats if f is not None]
    if not rows:
        return [None] * len(feats)
    s = iter(model.score(np.vstack(rows)).tolist())
    return [None if f is None else round(next(s), 3) for f in feats]


def fit(x: np.ndarray, y: np.ndarray, *, l2: float = 1e-2, steps: int = 3000, rate: float = 0.5,
        source: dict | None = None) -> Model:
    """Logistic regression by gradient descent on standardized features, both classes weighted equally."""
    mean, sd = x.mean(0), x.std(0) + 1e-9
    z = (x - mean) / sd
    w, b = np.zeros(z.shape[1]), 0.0
    pos = float(y.mean())
    weight = np.where(y == 1, 0.5 / pos, 0.5 / (1 - pos))
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(z @ w + b)))
        g = (p - y) * weight
        w -= rate * (z.T @ g / len(y) + l2 * w)
        b -= rate * float(g.mean())
    rnd = lambda v: tuple(round(float(t), 4) for t in v)  # noqa: E731
    return Model(rnd(mean), rnd(sd), rnd(w), round(b, 4), source or {})


#: The shipped weights, fitted by ``claimflow model handwriting`` (recipe and figures: extractors/ocr/README.md,
#: "Handwriting"). Part of the OCR stage's fingerprint (extractors/ner/ocr_cache.py).
SHIPPED = Path(__file__).with_name("handwriting.json")


@functools.cache
def shipped() -> Model:
    return Model.from_json(SHIPPED.read_text("utf-8"))


#: A word looks handwritten above these log odds (about 0.88 probability): print rarely scores this high.
HANDWRITTEN_WORD = 2.0
#: Words lower than this share of the page's median word height are left out of the page's figures: a row of
#: asterisks or dashes read as "III", specks read as letters — marks tesseract could not read, print or not.
SMALL_WORD = 0.6
#: So are words read below this confidence: a row of asterisks read as "eee" on a faint scan, a stain read as
#: letters. What a page's figures judge is the text a value could be read from.
COUNTED_CONFIDENCE = 0.4


#: A page's words are scored on an even sample of at most this many first (see ``plainly_print``).
SAMPLE_WORDS = 100
#: A sample whose figures are under these bars (median log odds, share) is plainly print: the rest of the page's
#: words are not scored. Printed pages (held-out set, seed 7): 380 of 401 are; SROIE receipts 80 of 100; pages
#: written by hand 0 of 54, forms filled in by hand 3 of 59 (extractors/ocr/README.md, "Handwriting"; measured with
#: the weights fitted on generated bills alone, before real receipts joined the print side).
PLAIN_PRINT_MEDIAN = -1.0
PLAIN_PRINT_SHARE = 0.05


def plainly_print(fig: PageFigures) -> bool:
    return fig.median is None or (fig.median < PLAIN_PRINT_MEDIAN and fig.share < PLAIN_PRINT_SHARE)


@dataclass(frozen=True)
class PageFigures:
    median: float | None  # median log odds of the page's words (None: no word scored)
    share: float  # share of them above HANDWRITTEN_WORD
    aligned: float | None = None  # median share of a word's glyphs on one baseline (the "aligned" feature)
    baseline_dev: float | None = None  # median stray of the others from it, in glyph heights ("baseline_dev")


def _figures(kept: Sequence[float], feats: Sequence[np.ndarray] = ()) -> PageFigures:
    if not kept:
        return PageFigures(None, 0.0)

    def median(i: int) -> float | None:  # of one feature over the counted words
        return round(float(statistics.median(float(f[i]) for f in feats)), 4) if feats else None

    return PageFigures(round(float(statistics.median(kept)), 3),
                       round(sum(s > HANDWRITTEN_WORD for s in kept) / len(kept), 4),
                       median(NAMES.index("aligned")), median(NAMES.index("baseline_dev")))


def _height_floor(heights: Sequence[float]) -> float:
    """Words lower than this are too small to count (``SMALL_WORD``)."""
    return SMALL_WORD * statistics.median(heights)


def page_figures(scores_: Sequence[float | None], heights: Sequence[float],
                 confidences: Sequence[float], feats: Sequence[np.ndarray | None] | None = None) -> PageFigures:
    """The handwriting figures of a page from its words' scores, box heights and confidences (see ``SMALL_WORD``,
    ``COUNTED_CONFIDENCE``), and from their features (``feats``, aligned with the scores) how many of a counted
    word's glyphs sit on one baseline and how far the others stray, at the median."""
    feats = feats if feats is not None else [None] * len(scores_)
    scored = [(s, h, c, f) for s, h, c, f in zip(scores_, heights, confidences, feats, strict=True) if s is not None]
    if not scored:
        return PageFigures(None, 0.0)
    floor = _height_floor([h for _, h, _, _ in scored])
    counted_ = [(s, f) for s, h, c, f in scored if h >= floor and c >= COUNTED_CONFIDENCE]
    return _figures([s for s, _ in counted_], [f for _, f in counted_ if f is not None])


def figures_of(counted_feats: Sequence[np.ndarray], model: Model | None = None) -> PageFigures:
    """A page's figures from the features ``counted`` keeps (their confidence is feature 3), as ``page_figures``
    would give them: for the fitting command's report."""
    kept = [f for f in counted_feats if f[3] >= COUNTED_CONFIDENCE]
    if not kept:
        return PageFigures(None, 0.0)
    return _figures([s for s in score_features(kept, model) if s is not None], kept)


def counted(feats: Sequence[np.ndarray | None], heights: Sequence[float]) -> list[np.ndarray]:
    """The features of the scored words that are not too small (``SMALL_WORD``): what the model is fitted on (at
    every confidence: tesseract's confidence is one of the features)."""
    scored = [(f, h) for f, h in zip(feats, heights, strict=True) if f is not None]
    if not scored:
        return []
    floor = _height_floor([h for _, h in scored])
    return [f for f, h in scored if h >= floor]


def document_features(path: Path, options) -> list[list[np.ndarray]]:  # type: ignore[no-untyped-def]  # noqa: ANN001
    """Per OCR'd page of the document at ``path``, the handwriting features of its scored words (text-layer pages
    have none). Reads in this process: the fitting command runs one document per worker."""
    from claimflow.errors import ClaimflowError
    from extractors.ocr import engine, pool
    from extractors.ocr.detect import detect_full
    from extractors.ocr.rasterize import load_image_page, render_pdf_page

    det = detect_full(path, options)
    _, jobs = pool.plan(det, options)
    out: list[list[np.ndarray]] = []
    for job in jobs:
        gray = (render_pdf_page(path, job.number, options) if job.pdf
                else load_image_page(path, job.pil_format or "", job.number - 1, options))
        feats: list[np.ndarray] = []
        try:
            engine.read_page(gray, job.number, options, features_out=feats, what=f"{path} page {job.number}")
        except ClaimflowError:
            continue  # a page that cannot be read has nothing to learn from
        out.append(feats)
    return out
