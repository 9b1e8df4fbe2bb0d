"""Training the choosers: OCR results with their true values in, labelled candidates out, a model fitted on them.

A candidate is labelled 1 when its value equals the document's true value. Documents whose true value is among no
candidate still count in the evaluation (as misses) but teach the model nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
import datetime as dt
from decimal import Decimal
from typing import Any

import numpy as np

from claimflow.model import OcrResult
from extractors.chooser import date as D
from extractors.chooser import model as M
from extractors.chooser import provider as P
from extractors.chooser.total import FEATURES, candidates_and_features, money_of
from extractors.layout import build_rows
from extractors.normalize import currency_of


@dataclass(frozen=True)
class Example:
    """One document's candidates for a field: their features, labels and values."""

    doc: str
    x: np.ndarray
    y: np.ndarray
    values: tuple[Any, ...]  # Decimal (total), datetime.date (service_date), str (provider)
    truth: Any

    @property
    def reachable(self) -> bool:
        """Whether the true value is among the candidates."""
        return bool(self.y.any())


def total_example(ocr: OcrResult, truth: Decimal | None, doc: str) -> Example:
    rows = build_rows(ocr)
    cands, x = candidates_and_features(rows, money_of(rows))
    values = tuple(c.value for c in cands)
    y = np.asarray([truth is not None and v == truth for v in values], np.int8)
    return Example(doc, x, y, values, truth)


def date_example(ocr: OcrResult, truth: dt.date | None, doc: str) -> Example:
    """The first-date-of-service candidates of ``ocr`` (read as ``extract`` reads them), labelled by ``truth``."""
    rows = build_rows(ocr)
    money = money_of(rows)
    text = "\n".join(r.text for r in rows)
    currency = currency_of(text) or (money.rules.total.amount.value.currency if money.rules.total else None)
    pd = D.page_dates(rows, {t.row for it in money.items for t in it.tokens}, currency=currency, text=text)
    cands, x = D.page_candidates(pd, rows)
    values = tuple(c.value for c in cands)
    y = np.asarray([truth is not None and v == truth for v in values], np.int8)
    return Example(doc, x, y, values, truth)


def provider_example(ocr: OcrResult, truth: str | None, doc: str) -> Example:
    """The provider-name candidates of ``ocr`` (read as ``extract`` reads them), labelled by ``truth`` (names
    compared as ``eval`` compares them: case, punctuation and spacing aside)."""
    from claimflow.evaluation.compare import normalize_name
    from extractors.ner import pipeline
    from extractors.provider import provider_name

    rows = build_rows(ocr)
    ents, _ = pipeline.entities(rows)
    cands, x = P.candidates_and_features(rows, ents, provider_name(rows, ents))
    values = tuple(c.value for c in cands)
    key = normalize_name(truth) if truth else None
    y = np.asarray([key is not None and normalize_name(v) == key for v in values], np.int8)
    return Example(doc, x, y, values, truth)


def _fit(field_name: str, features: Sequence[str], examples: Sequence[Example], learner: str, seed: int,
         training: dict[str, Any] | None, c: float = 1.0) -> M.ChooserModel:
    used = [e for e in examples if e.reachable]
    if not used:
        raise ValueError(f"no training document has its true {field_name} among its candidates")
    x = np.vstack([e.x for e in used])
    y = np.concatenate([e.y for e in used])
    recipe = {**(training or {}), "documents": len(used)}
    return M.fit(field_name, features, x, y, learner=learner, seed=seed, training=recipe, c=c)


def fit_total(examples: Sequence[Example], *, learner: str = "logistic", seed: int = 0,
              training: dict[str, Any] | None = None) -> M.ChooserModel:
    """The total chooser, trained on the candidates of ``examples`` that hold the true value."""
    return _fit("total", FEATURES, examples, learner, seed, training)


def fit_date(examples: Sequence[Example], *, learner: str = "logistic", seed: int = 0,
             training: dict[str, Any] | None = None) -> M.ChooserModel:
    """The first-date-of-service chooser (field ``service_date``), trained on ``date_example``s."""
    return _fit("service_date", D.FEATURES, examples, learner, seed, training)


#: The provider chooser's regularisation (``model.fit``'s ``c``), chosen by cross-validation (README).
PROVIDER_C = 1.0


def fit_provider(examples: Sequence[Example], *, learner: str = "logistic", seed: int = 0,
                 training: dict[str, Any] | None = None) -> M.ChooserModel:
    """The provider-name chooser (field ``provider``), trained on ``provider_example``s."""
    return _fit("provider", P.FEATURES, examples, learner, seed, training, PROVIDER_C)


def picks(model: M.ChooserModel, examples: Sequence[Example]) -> list[tuple[Any, float]]:
    """The value the model picks on each example, with its probability (None, 0.0 without candidates)."""
    out = []
    for e in examples:
        if not len(e.values):
            out.append((None, 0.0))
            continue
        p = model.predict(e.x)
        best = int(np.argmax(p))
        out.append((e.values[best], float(p[best])))
    return out


__all__ = ["Example", "date_example", "fit_date", "fit_provider", "fit_total", "picks", "provider_example",
           "total_example"]
