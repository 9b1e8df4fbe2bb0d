"""`claimflow eval extract --gold DIR [--gold DIR2] --folds K`: k-fold cross-validation of the learned choosers.

Every gold document gets a fold (``claimflow.evaluation.folds``: by seed and document id; real receipts numbered
≡ 0 mod 10 are held aside, in no fold). For each fold a chooser is trained on the other folds (plus the generated
bills of ``--train-with``), and the fold's documents are extracted twice from the same OCR: by the hand rules alone
and with the fold's chooser. No document is both trained on and scored. Reported per fold, pooled, per gold set and
per layout (where the gold carries one), with the expected calibration error (ECE) of each. ``--held-aside``
instead scores the held-aside receipts once, with a chooser trained on every other document — the shipped recipe.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

#: The fields scored on a mix of sets: those every gold format holds.
CV_FIELDS = ("total", "service_dates[0]", "provider.name")
#: The fields a chooser may decide, whose confidences' ECE is reported alone.
CHOSEN = ("total", "service_dates[0]", "provider.name")


@dataclass
class CvDoc:
    """A gold document in the cross-validation: its id (``<set>/<name>``, what its fold is drawn from), its truth,
    its layout where the gold names one, and once read, its OCR and its total candidates."""

    id: str
    set: str
    path: Path
    truth: dict[str, Any]
    layout: str | None
    ocr: Any = None  # OcrResult
    example: Any = None  # extractors.chooser.train.Example
    date_example: Any = None  # the same, of the first date of service
    provider_example: Any = None  # the same, of the provider's name


@dataclass
class CvResult:
    k: int
    seed: int
    learner: str
    held_aside: bool
    #: "rules" / "learned" → pooled Report
    pooled: dict[str, Any] = field(default_factory=dict)
    #: per fold: "rules" / "learned" → Report (one fold only with --held-aside)
    folds: list[dict[str, Any]] = field(default_factory=list)
    #: "rules" / "learned" → set name → Report
    by_set: dict[str, dict[str, Any]] = field(default_factory=dict)
    trained: list[dict[str, Any]] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)
    #: "rules" / "learned" → field → (confidence, right) of every value of a chooser's field reported: its own ECE
    confidences: dict[str, dict[str, list[tuple[float, bool]]]] = field(default_factory=dict)

    def field_ece(self, name: str, path: str = "total") -> float | None:
        from claimflow.evaluation.compare import calibration_error

        return calibration_error(self.confidences.get(name, {}).get(path, []))

    def total_ece(self, name: str) -> float | None:
        return self.field_ece(name, "total")


def load_docs(golds: Sequence[Path]) -> list[CvDoc]:
    """Every gold document of ``golds`` (generated sets and SROIE folders)."""
    from claimflow.cli.eval_extract import _manifest
    from claimflow.evaluation.gold import load_gold

    docs = []
    for g in golds:
        layouts, _ = _manifest(g)
        for d in load_gold(g):
            docs.append(CvDoc(f"{g.name}/{d.path.stem}", g.name, d.path, d.truth, layouts.get(d.path.name)))
    return docs


def read_docs(docs: list[CvDoc], cache: Path, workers: int, settings) -> list[str]:  # noqa: ANN001
    """OCR ``docs`` through the cache and build each one's total and date examples, in place; the ids that could
    not be read."""
    from dataclasses import replace

    from claimflow.errors import ClaimflowError
    from extractors.chooser.train import date_example, provider_example, total_example
    from extractors.ner.ocr_cache import read_cached
    from extractors.ocr import OcrOptions

    options = replace(OcrOptions.from_settings(settings), workers=workers)
    unread = []
    for d, (_, ocr) in zip(docs, read_cached([d.path for d in docs], cache, workers=workers, options=options),
                           strict=True):
        if isinstance(ocr, ClaimflowError):
            unread.append(d.id)
            continue
        d.ocr = ocr
        t = d.truth.get("total")
        d.example = total_example(ocr, Decimal(str(t)) if t is not None else None, d.id)
        d.date_example = date_example(ocr, first_service_date(d.truth), d.id)
        d.provider_example = provider_example(ocr, (d.truth.get("provider") or {}).get("name"), d.id)
    return unread


def first_service_date(truth: dict[str, Any]) -> dt.date | None:
    """The gold's first date of service (a SROIE receipt's date)."""
    dates = truth.get("service_dates") or []
    return dt.date.fromisoformat(str(dates[0])) if dates else None


def run(golds: Sequence[Path], *, k: int, seed: int, cache: Path, workers: int, settings,  # noqa: ANN001
        train_with: Sequence[Path] = (), learner: str = "logistic", held_aside: bool = False) -> CvResult:
    from claimflow.evaluation import folds as FO
    from claimflow.evaluation.compare import add_pair, new_report, scored_confidences
    from extractors.chooser.train import fit_date, fit_provider, fit_total
    from extractors.extract import extract

    docs = load_docs(golds)
    extra = load_docs(train_with)
    unread = read_docs(docs + extra, cache, workers, settings)
    docs = [d for d in docs if d.ocr is not None]
    extra = [d for d in extra if d.ocr is not None]
    result = CvResult(k, seed, learner, held_aside, unread=unread)

    def report():  # noqa: ANN202
        return new_report(CV_FIELDS, sets=False)

    result.pooled = {"rules": report(), "learned": report()}
    plan: list[tuple[list[CvDoc], list[CvDoc]]] = []
    if held_aside:
        plan.append(([d for d in docs if not FO.held_aside(d.id)], [d for d in docs if FO.held_aside(d.id)]))
    else:
        ids = [d.id for d in docs]
        for f in range(k):
            plan.append(tuple(FO.train_test(docs, ids, f, k, seed)))  # type: ignore[arg-type]
    for f, (train, test) in enumerate(plan):
        recipe = {"fold": f, "k": k, "fold_seed": seed}
        model = fit_total([d.example for d in train + extra], learner=learner, seed=0, training=recipe)
        dated = [d.date_example for d in train + extra]
        # no training document with its date among its candidates: the fold's dates stay with the rules
        date_model = fit_date(dated, learner=learner, seed=0, training=recipe) if any(
            e.reachable for e in dated) else None
        named = [d.provider_example for d in train + extra]
        provider_model = fit_provider(named, learner=learner, seed=0, training=recipe) if any(
            e.reachable for e in named) else None
        learned = {"total": model} | ({"service_date": date_model} if date_model is not None else {}) | (
            {"provider": provider_model} if provider_model is not None else {})
        result.trained.append({"fold": f, "train_docs": len(train) + len(extra), "test_docs": len(test),
                               "model": model.digest, "date_model": date_model.digest if date_model else None,
                               "provider_model": provider_model.digest if provider_model else None})
        fold = {"rules": report(), "learned": report()}
        for d in test:
            for name, choosers in (("rules", {}), ("learned", learned)):
                pred = extract(d.ocr, choosers=choosers).to_json_dict()
                for p, c, ok in scored_confidences(pred, d.truth, CV_FIELDS, diagnoses=False):
                    if p in CHOSEN:
                        result.confidences.setdefault(name, {}).setdefault(p, []).append((c, ok))
                for rep in (fold[name], result.pooled[name],
                            result.by_set.setdefault(name, {}).setdefault(d.set, report())):
                    add_pair(rep, pred, d.truth, name=d.id, group=d.layout)
        result.folds.append(fold)
    return result


def as_dict(r: CvResult) -> dict[str, Any]:
    def summary(rep) -> dict[str, Any]:  # noqa: ANN001
        return {"documents": rep.documents, "exact": {k: v.exact for k, v in rep.fields.items()}, "ece": rep.ece,
                "groups": {g: s.summary()["exact"] for g, s in sorted(rep.groups.items())}}

    return {
        "folds": r.k, "seed": r.seed, "learner": r.learner, "held_aside": r.held_aside,
        "pooled": {n: summary(rep) for n, rep in r.pooled.items()},
        "per_fold": [{n: summary(rep) for n, rep in f.items()} | r.trained[i] for i, f in enumerate(r.folds)],
        "by_set": {n: {s: summary(rep) for s, rep in sets.items()} for n, sets in r.by_set.items()},
        "total_ece": {n: r.total_ece(n) for n in r.confidences},
        "field_ece": {n: {p: r.field_ece(n, p) for p in CHOSEN} for n in r.confidences},
        "unread": r.unread,
        "mismatches": {n: rep.mismatches for n, rep in r.pooled.items()},
    }


def print_result(console, r: CvResult) -> None:  # noqa: ANN001
    from rich.table import Table

    def fmt(v: float | None) -> str:
        return "-" if v is None else f"{v:.3f}"

    what = "held-aside receipts, measured once" if r.held_aside else f"{r.k}-fold cross-validation (seed {r.seed})"
    t = Table(title=f"Exact match: hand rules / learned chooser ({r.learner}) — {what}")
    for col in ("scope", "docs", *CV_FIELDS, "ECE"):
        t.add_column(col, justify="left" if col == "scope" else "right")

    def row(name: str, reps: dict[str, Any]) -> None:
        cells = [f"{fmt(reps['rules'].fields[f].exact)} / {fmt(reps['learned'].fields[f].exact)}" for f in CV_FIELDS]
        t.add_row(name, str(reps["rules"].documents), *cells, f"{fmt(reps['rules'].ece)} / {fmt(reps['learned'].ece)}")

    for i, f in enumerate(r.folds):
        if not r.held_aside:
            row(f"fold {i}", f)
    row("pooled" if not r.held_aside else "held aside", r.pooled)
    for s in sorted(r.by_set.get("rules", {})):
        row(f"set {s}", {n: r.by_set[n][s] for n in ("rules", "learned")})
    groups = sorted(r.pooled["rules"].groups)
    for g in groups:
        row(f"layout {g}", {n: r.pooled[n].groups[g] for n in ("rules", "learned")})
    console.print(t)
    for p in CHOSEN:
        console.print(f"ECE of {p}'s confidences alone (pooled): "
                      + ", ".join(f"{n} {fmt(r.field_ece(n, p))}" for n in ("rules", "learned")))
    if r.unread:
        console.print(f"unreadable (scored in no fold): {', '.join(r.unread)}")


def to_json(r: CvResult) -> str:
    return json.dumps(as_dict(r), indent=2, default=str)
