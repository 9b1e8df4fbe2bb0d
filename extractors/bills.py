"""Splitting a document that holds several bills (a bundle): which pages make up each bill.

``page_features(ocr)`` describes, for every page after the first, whether it starts a new bill or continues the one
before — from what a person leafing through would look at: a "page k of n" marker (and the previous page's), the
word "continued", a total printed low on the previous page, how alike the top of the page is to the top of the
previous page and of the current bill's first page (the provider's header), invoice / account numbers shared with
the previous page or changed, dates shared, a patient block, item rows at the very top, a change of paper size. A
logistic model (``extractors.chooser.model``, the learner the field choosers use; shipped as
``extractors/chooser/bill_start.json``) turns them into the probability that the page starts a bill;
``split_pages`` reads the pages in order and starts a bill where it is over one half. Without a model the document
is one bill. Measurements and the recipe: ``extractors/chooser/README.md`` ("Bundles").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from claimflow.model import OcrResult
from extractors.chooser import model as M
from extractors.chooser.model import ChooserModel
from extractors.layout import Row, amounts_in, build_rows

#: The shipped model's name (``extractors/chooser/bill_start.json``).
FIELD = "bill_start"
#: A page starts a bill when the model's probability is above this.
THRESHOLD = 0.5
#: The top of a page: where a provider prints its header (share of the page height).
TOP = 0.22

_PAGER = re.compile(r"\bpage\s*(\d{1,2})\s*(?:of|/)\s*(\d{1,2})\b|^\s*(\d{1,2})\s*/\s*(\d{1,2})\s*$", re.I)
_CONTINUED = re.compile(r"\(?\bcont(?:inued|'d|d|\.)\b", re.I)  # "Contd." as India abbreviates it
_TOTAL = re.compile(r"\b(?:total|amount\s+due|balance\s+due|amount\s+payable|net\s+amount|grand\s+total|pay\s+this)\b",
                    re.I)
_ID = re.compile(r"\b(?:invoice|inv|bill|receipt|statement|account|acct|memo|claim|rx)\s*(?:no\.?|number|#|id)?\s*"
                 r"[:#.]?\s*([A-Z0-9][A-Z0-9-]{3,})", re.I)
_DATE = re.compile(r"\b(\d{1,4}[-/.]\d{1,2}[-/.]\d{2,4}|\d{1,2}\s+[A-Za-z]{3,9}\.?\s+\d{4}|[A-Za-z]{3,9}\.?\s+\d{1,2},"
                   r"\s+\d{4})\b")
_PATIENT = re.compile(r"\b(?:patient|member|insured|subscriber|d\.?o\.?b|birth|bill\s+to|name)\b", re.I)
_TITLE = re.compile(r"\b(?:invoice|receipt|statement|bill|superbill|cash\s+memo|summary)\b", re.I)
_WORD = re.compile(r"[a-z][a-z&']{2,}")

FEATURES = (
    "pager_first", "pager_later", "prev_pager_last", "prev_pager_before_last", "continued_top", "prev_total_low",
    "total_low", "top_like_prev", "top_like_bill_start", "ids_shared_prev", "ids_changed_prev", "ids_shared_start",
    "dates_shared_prev", "dates_changed_prev", "patient_block", "title_top", "items_at_top", "size_changed",
    "few_words", "bias_pages_in_bill",
)


@dataclass(frozen=True)
class PageSummary:
    """What the features look at on one page."""

    number: int
    size: tuple[int, int]
    words: int
    top: frozenset[str]
    pager: tuple[int, int] | None
    continued_top: bool
    total_low: bool
    ids: frozenset[str]
    dates: frozenset[str]
    patient_block: bool
    title_top: bool
    items_at_top: float


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def summarize(ocr: OcrResult, rows: Sequence[Row] | None = None) -> list[PageSummary]:
    """One summary per page of ``ocr``, in page order."""
    rows = build_rows(ocr) if rows is None else rows
    by_page: dict[int, list[Row]] = {}
    for r in rows:
        by_page.setdefault(r.page, []).append(r)
    out = []
    for page in ocr.pages:
        prow = by_page.get(page.number, [])
        h = float(page.height)

        def y(r: Row) -> float:
            return min(t.bbox.y0 for t in r.tokens) / h  # noqa: B023 - used within the iteration

        top_rows = [r for r in prow if y(r) < TOP]
        low_rows = [r for r in prow if y(r) >= 0.5]
        upper = [r for r in prow if y(r) < 0.4]
        first_rows = sorted(prow, key=y)[:5]
        pager = None
        for r in prow:
            m = _PAGER.search(r.text)
            if m:
                k, n = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
                if 0 < int(k) <= int(n) <= 50:
                    pager = (int(k), int(n))
        text = "\n".join(r.text for r in prow)
        out.append(PageSummary(
            number=page.number, size=(page.width, page.height), words=len(page.words),
            top=frozenset(w for r in top_rows for w in _WORD.findall(r.text.lower())),
            pager=pager,
            continued_top=any(_CONTINUED.search(r.text) for r in top_rows),
            total_low=any(_TOTAL.search(r.text) and amounts_in(r) for r in low_rows),
            ids=frozenset(m.group(1).upper() for m in _ID.finditer(text) if any(c.isdigit() for c in m.group(1))),
            dates=frozenset(_DATE.findall(text)),
            patient_block=any(_PATIENT.search(r.text) for r in upper),
            title_top=any(_TITLE.search(r.text) for r in upper),
            items_at_top=sum(1 for r in first_rows if amounts_in(r)) / max(1, len(first_rows)),
        ))
    return out


def features(pages: Sequence[PageSummary], i: int, start: int) -> list[float]:
    """The features of page ``pages[i]`` (i ≥ 1) given that the current bill started at ``pages[start]``."""
    p, q, s = pages[i], pages[i - 1], pages[start]
    size_changed = abs(p.size[0] / q.size[0] - 1) > 0.03 or abs(p.size[1] / q.size[1] - 1) > 0.03
    return [
        float(p.pager is not None and p.pager[0] == 1),
        float(p.pager is not None and p.pager[0] > 1),
        float(q.pager is not None and q.pager[0] == q.pager[1]),
        float(q.pager is not None and q.pager[0] < q.pager[1]),
        float(p.continued_top),
        float(q.total_low),
        float(p.total_low),
        _jaccard(p.top, q.top),
        _jaccard(p.top, s.top),
        float(bool(p.ids & q.ids)),
        float(bool(p.ids) and bool(q.ids) and not p.ids & q.ids),
        float(bool(p.ids & s.ids)),
        _jaccard(p.dates, q.dates),
        float(bool(p.dates) and bool(q.dates) and not p.dates & q.dates),
        float(p.patient_block),
        float(p.title_top),
        p.items_at_top,
        float(size_changed),
        float(p.words < 15),
        float(min(i - start, 5)),
    ]


@dataclass(frozen=True)
class Split:
    """Bills as (pages, confidence): pages 1-based and contiguous; confidence how sure the split is of the bill."""

    bills: tuple[tuple[tuple[int, ...], float], ...]


def split_pages(ocr: OcrResult, model: ChooserModel | None, rows: Sequence[Row] | None = None) -> Split:
    """The bills of ``ocr``, in page order. One page, or no model: one bill of every page."""
    numbers = tuple(p.number for p in ocr.pages)
    if len(numbers) < 2 or model is None:
        return Split(((numbers, 1.0),))
    pages = summarize(ocr, rows)
    bills: list[tuple[list[int], float]] = [([numbers[0]], 1.0)]
    start = 0
    for i in range(1, len(pages)):
        prob = float(model.predict(np.asarray([features(pages, i, start)], float))[0])
        if prob > THRESHOLD:
            bills.append(([numbers[i]], prob))
            start = i
        else:
            pages_of, conf = bills[-1]
            bills[-1] = ([*pages_of, numbers[i]], min(conf, 1.0 - prob))
    return Split(tuple((tuple(p), c) for p, c in bills))


def shipped() -> ChooserModel | None:
    """The shipped page-split model, None when none is shipped (then every document is one bill)."""
    return M.shipped(FIELD)


def pages_of(ocr: OcrResult, pages: Sequence[int]) -> OcrResult:
    """``ocr`` restricted to the contiguous ``pages``, renumbered from 1 as a document of its own (the field rules
    look for a provider on page 1); ``claim_extraction.shift_pages`` moves the evidence back."""
    keep = set(pages)
    first = min(pages)
    return ocr.model_copy(update={"pages": [p.model_copy(update={"number": p.number - first + 1})
                                            for p in ocr.pages if p.number in keep]})


def training_rows(ocr: OcrResult, starts: set[int]) -> tuple[np.ndarray, np.ndarray]:
    """Features and labels (1: the page starts a bill) of every page after the first, the current bill's start
    taken from the truth (``starts``: the first page number of each bill)."""
    pages = summarize(ocr)
    x, y, start = [], [], 0
    for i in range(1, len(pages)):
        label = pages[i].number in starts
        x.append(features(pages, i, start))
        y.append(int(label))
        if label:
            start = i
    return np.asarray(x, float).reshape(-1, len(FEATURES)), np.asarray(y, int)


def starts_of(truth: dict) -> set[int]:
    """The first page of each bill of a truth (an Extraction in wire form): a bundle's bills, else page 1."""
    return {b["pages"][0] for b in truth.get("bills") or ()} or {1}


def fit(examples: Sequence[tuple[OcrResult, set[int]]], *, seed: int = 0, training: dict | None = None
        ) -> ChooserModel:
    """The page-split model trained on documents of several pages and the first page of each of their bills.
    Deterministic (``extractors.chooser.model.fit``)."""
    rows = [training_rows(ocr, starts) for ocr, starts in examples if len(ocr.pages) > 1]
    if not rows:
        raise ValueError("no document of several pages to train the page split on")
    x = np.vstack([r[0] for r in rows])
    y = np.concatenate([r[1] for r in rows])
    return M.fit(FIELD, FEATURES, x, y, seed=seed, training={**(training or {}), "documents": len(rows)})


__all__ = ["FEATURES", "FIELD", "Split", "features", "fit", "pages_of", "shipped", "split_pages", "starts_of",
           "summarize", "training_rows"]
