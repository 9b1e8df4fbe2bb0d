"""Compare predicted Extractions with truth: per-field precision/recall/F1 and exact match, set metrics for lists,
negation accuracy, and a calibration table from the evidence confidences the extractor reported.

Definitions (per scalar field, over documents):
- a prediction is *correct* when it is non-null and equal to the truth under the field's rule (below);
- precision = correct / predicted non-null; recall = correct / truth non-null; F1 their harmonic mean;
- exact match = (correct + both null) / documents — a null where the truth has a value counts as a miss, and a
  value where the truth is null counts as wrong.
Rules: money fields compare as Decimals; dates as ISO strings; names case-folded with punctuation and extra spaces
removed (the "normalized match"); identifiers upper-cased with whitespace removed; currency exactly.
Lists (service dates, diagnosis codes, line-item amounts and codes) are scored as multisets, micro-averaged.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from claimflow.evaluation.bundles import BundleScore

SCALAR_FIELDS = (
    "total", "balance_due", "currency", "invoice_number", "service_dates[0]", "patient.name", "patient.member_id",
    "patient.date_of_birth", "provider.name", "provider.npi", "provider.tax_id", "checks.total_matches_line_items",
)
NAME_FIELDS = {"patient.name", "provider.name"}
ID_FIELDS = {"patient.member_id", "invoice_number", "provider.npi", "provider.tax_id"}
MONEY_FIELDS = {"total", "balance_due"}
#: Calibration buckets: [lo, hi) with the last closed.
BUCKETS = ((0.0, 0.5), (0.5, 0.6), (0.6, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 0.95), (0.95, 1.0))


def get_path(obj: dict[str, Any], path: str) -> Any:
    """``"patient.member_id"`` → obj["patient"]["member_id"]; ``"service_dates[0]"`` → first element or None."""
    cur: Any = obj
    for part in path.split("."):
        m = re.fullmatch(r"(\w+)\[(\d+)\]", part)
        key, idx = (m.group(1), int(m.group(2))) if m else (part, None)
        if not isinstance(cur, dict):
            return None
        cur = cur.get(key)
        if idx is not None:
            cur = cur[idx] if isinstance(cur, list) and len(cur) > idx else None
    return cur


def normalize_name(value: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", value.casefold()).split())


def _money(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return None


def normalize(path: str, value: Any) -> Any:
    """The comparable form of a field value (``None`` stays ``None``)."""
    if value is None:
        return None
    if path in MONEY_FIELDS:
        return _money(value)
    if path in NAME_FIELDS:
        return normalize_name(str(value)) or None
    if path in ID_FIELDS:
        return re.sub(r"\s+", "", str(value)).upper() or None
    return value


class _PrecisionRecall:
    """Precision, recall and F1 from the counts ``hits``, ``predicted`` and ``expected``."""

    hits: int
    predicted: int
    expected: int

    @property
    def precision(self) -> float | None:
        return self.hits / self.predicted if self.predicted else None

    @property
    def recall(self) -> float | None:
        return self.hits / self.expected if self.expected else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if p is None or r is None:
            return None
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class FieldScore(_PrecisionRecall):
    correct: int = 0
    predicted: int = 0
    expected: int = 0
    both_null: int = 0
    documents: int = 0

    @property
    def hits(self) -> int:  # type: ignore[override]
        return self.correct

    def add(self, pred: Any, truth: Any) -> bool:
        self.documents += 1
        ok = pred is not None and pred == truth
        self.correct += ok
        self.predicted += pred is not None
        self.expected += truth is not None
        self.both_null += pred is None and truth is None
        return ok

    @property
    def exact(self) -> float | None:
        return (self.correct + self.both_null) / self.documents if self.documents else None

    def as_dict(self) -> dict[str, Any]:
        return {"precision": self.precision, "recall": self.recall, "f1": self.f1, "exact": self.exact,
                "correct": self.correct, "predicted": self.predicted, "expected": self.expected,
                "documents": self.documents}


@dataclass
class SetScore(_PrecisionRecall):
    """Multiset matching, micro-averaged over documents."""

    tp: int = 0
    predicted: int = 0
    expected: int = 0
    documents: int = 0
    exact_docs: int = 0

    @property
    def hits(self) -> int:  # type: ignore[override]
        return self.tp

    def add(self, pred: Iterable[Any], truth: Iterable[Any]) -> None:
        p, t = Counter(pred), Counter(truth)
        self.tp += sum((p & t).values())
        self.predicted += sum(p.values())
        self.expected += sum(t.values())
        self.documents += 1
        self.exact_docs += p == t

    def as_dict(self) -> dict[str, Any]:
        return {"precision": self.precision, "recall": self.recall, "f1": self.f1,
                "exact": self.exact_docs / self.documents if self.documents else None, "tp": self.tp,
                "predicted": self.predicted, "expected": self.expected, "documents": self.documents}


@dataclass
class Bucket:
    lo: float
    hi: float
    n: int = 0
    correct: int = 0
    confidence_sum: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"bucket": f"{self.lo:.2f}-{self.hi:.2f}", "n": self.n,
                "mean_confidence": self.confidence_sum / self.n if self.n else None,
                "accuracy": self.correct / self.n if self.n else None}


@dataclass
class Report:
    documents: int = 0
    failed: dict[str, int] = field(default_factory=dict)  # error kind -> count
    fields: dict[str, FieldScore] = field(default_factory=dict)
    sets: dict[str, SetScore] = field(default_factory=dict)
    negation_matched: int = 0
    negation_correct: int = 0
    calibration: list[Bucket] = field(default_factory=lambda: [Bucket(lo, hi) for lo, hi in BUCKETS])
    field_names: tuple[str, ...] = SCALAR_FIELDS
    failures: list[dict[str, str]] = field(default_factory=list)
    #: Scalar fields read wrong or missed: document, field, expected, got (wire values).
    mismatches: list[dict[str, Any]] = field(default_factory=list)
    #: The same scores per group (e.g. per layout), when the caller groups documents.
    groups: dict[str, Report] = field(default_factory=dict)
    #: The same scores by how the document was filled in ("printed", "by hand"), when the caller knows it: a
    #: document written by hand should come back with its values left empty for review, not guessed.
    captures: dict[str, Report] = field(default_factory=dict)
    #: Bill boundaries and per-bill figures (claimflow.evaluation.bundles).
    bundles: BundleScore = field(default_factory=lambda: BundleScore())

    @property
    def negation_accuracy(self) -> float | None:
        return self.negation_correct / self.negation_matched if self.negation_matched else None

    @property
    def ece(self) -> float | None:
        """Expected calibration error: bucket-weighted |accuracy - mean confidence|."""
        total = sum(b.n for b in self.calibration)
        if not total:
            return None
        return sum(abs(b.correct / b.n - b.confidence_sum / b.n) * b.n for b in self.calibration if b.n) / total

    def as_dict(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "failed": dict(sorted(self.failed.items())),
            "fields": {k: v.as_dict() for k, v in self.fields.items()},
            "sets": {k: v.as_dict() for k, v in self.sets.items()},
            "negation": {"accuracy": self.negation_accuracy, "matched": self.negation_matched},
            "calibration": {"buckets": [b.as_dict() for b in self.calibration], "ece": self.ece},
            "failures": self.failures,
            "mismatches": self.mismatches,
            "groups": {k: g.summary() for k, g in sorted(self.groups.items())},
            "captures": {k: g.summary() for k, g in sorted(self.captures.items())},
            "bundles": self.bundles.as_dict(),
        }

    def summary(self) -> dict[str, Any]:
        """Exact match per scalar field and F1 per list: the compact form used per group."""
        return {"documents": self.documents, "exact": {k: v.exact for k, v in self.fields.items()},
                "f1": {k: v.f1 for k, v in self.sets.items()}, "negation_accuracy": self.negation_accuracy,
                "values_reported": self.values_reported, "values_wrong": self.values_wrong}

    @property
    def values_reported(self) -> int:
        """Scalar values the extractor gave (not left empty), over every field and document."""
        return sum(v.predicted for v in self.fields.values())

    @property
    def values_wrong(self) -> int:
        """Scalar values given that are not the truth."""
        return sum(v.predicted - v.correct for v in self.fields.values())


def _diag_codes(x: dict[str, Any]) -> list[str]:
    return [d["code"] for d in x.get("diagnoses") or [] if d.get("code")]


def calibration_error(pairs: Iterable[tuple[float, bool]]) -> float | None:
    """The expected calibration error of (confidence, right) pairs over the report's buckets."""
    report = Report()
    for conf, ok in pairs:
        _record_calibration(report, conf, ok)
    return report.ece


def _record_calibration(report: Report, confidence: float, correct: bool) -> None:
    for b in report.calibration:
        if b.lo <= confidence < b.hi or (b.hi == 1.0 and confidence == 1.0):
            b.n += 1
            b.correct += correct
            b.confidence_sum += confidence
            return


def new_report(field_names: tuple[str, ...] = SCALAR_FIELDS, *, sets: bool = True) -> Report:
    report = Report(field_names=field_names)
    report.fields = {f: FieldScore() for f in field_names}
    if sets:
        report.sets = {k: SetScore() for k in ("service_dates", "diagnosis_codes", "line_item_amounts",
                                               "line_item_codes")}
    return report


def add_failure(report: Report, name: str, kind: str, message: str = "", truth: dict[str, Any] | None = None,
                *, group: str | None = None, capture: str | None = None) -> None:
    """A document the extractor could not read: with its ``truth``, every field it holds counts as missed."""
    report.failed[kind] = report.failed.get(kind, 0) + 1
    report.failures.append({"document": name, "kind": kind, "message": message})
    if truth is None:
        report.documents += 1
        return
    empty: dict[str, Any] = {"fields": {}}
    add_pair(report, empty, truth, group=group, capture=capture)


def add_pair(report: Report, pred: dict[str, Any], truth: dict[str, Any], *, name: str | None = None,
             group: str | None = None, capture: str | None = None) -> None:
    """Score one document: ``pred`` and ``truth`` are Extractions in wire form (``to_json_dict()``).

    ``name`` records mismatches under that document name; ``group`` also scores it in ``report.groups[group]``,
    ``capture`` in ``report.captures[capture]``.
    """
    for key, into in ((group, report.groups), (capture, report.captures)):
        if key is not None:
            add_pair(into.setdefault(key, new_report(report.field_names, sets=bool(report.sets))), pred, truth)
    report.documents += 1
    report.bundles.add(pred, truth)
    correct_by_field: dict[str, bool] = {}
    for f in report.field_names:
        want, got = get_path(truth, f), get_path(pred, f)
        correct_by_field[f] = report.fields[f].add(normalize(f, got), normalize(f, want))
        if name is not None and not correct_by_field[f] and (want is not None or got is not None):
            report.mismatches.append({"document": name, "field": f, "expected": want, "got": got})
    if report.sets:
        report.sets["service_dates"].add(pred.get("service_dates") or [], truth.get("service_dates") or [])
        report.sets["diagnosis_codes"].add(_diag_codes(pred), _diag_codes(truth))
        report.sets["line_item_amounts"].add(
            [_money(li.get("amount")) for li in pred.get("line_items") or [] if li.get("amount") is not None],
            [_money(li.get("amount")) for li in truth.get("line_items") or [] if li.get("amount") is not None])
        report.sets["line_item_codes"].add(
            [li["code"] for li in pred.get("line_items") or [] if li.get("code")],
            [li["code"] for li in truth.get("line_items") or [] if li.get("code")])
        truth_neg = {d["code"]: bool(d.get("negated")) for d in truth.get("diagnoses") or [] if d.get("code")}
        for d in pred.get("diagnoses") or []:
            code = d.get("code")
            if code in truth_neg:
                report.negation_matched += 1
                report.negation_correct += bool(d.get("negated")) == truth_neg[code]
    for _, conf, ok in _confidences(pred, truth, correct_by_field, diagnoses=bool(report.sets)):
        _record_calibration(report, conf, ok)


def scored_confidences(pred: dict[str, Any], truth: dict[str, Any], field_names: tuple[str, ...] = SCALAR_FIELDS,
                       *, diagnoses: bool = True) -> list[tuple[str, float, bool]]:
    """(field path, reported confidence, whether the value is right) for every scored value of ``pred`` that
    carries evidence: the pairs the calibration table counts, and what ``claimflow model calibrate`` fits on.
    Diagnoses count under the path ``diagnoses``: right when the code is in the truth with the same negation."""
    correct = {}
    for f in field_names:
        got = normalize(f, get_path(pred, f))
        correct[f] = got is not None and got == normalize(f, get_path(truth, f))  # as FieldScore.add counts it
    return _confidences(pred, truth, correct, diagnoses=diagnoses)


def _confidences(pred: dict[str, Any], truth: dict[str, Any], correct_by_field: dict[str, bool], *,
                 diagnoses: bool) -> list[tuple[str, float, bool]]:
    out: list[tuple[str, float, bool]] = []
    if diagnoses:
        truth_neg = {d["code"]: bool(d.get("negated")) for d in truth.get("diagnoses") or [] if d.get("code")}
        for d in pred.get("diagnoses") or []:
            conf = (d.get("evidence") or {}).get("confidence")
            if conf is not None:
                code = d.get("code")
                out.append(("diagnoses", float(conf), code in truth_neg and bool(d.get("negated")) == truth_neg[code]))
    for key, ev in (pred.get("fields") or {}).items():
        conf = ev.get("confidence") if isinstance(ev, dict) else None
        if conf is not None and key in correct_by_field:  # only scored fields: SROIE keys say nothing of member ids
            out.append((key, float(conf), correct_by_field[key]))
    return out


def evaluate_pairs(pairs: Iterable[tuple[dict[str, Any], dict[str, Any]]],
                   field_names: tuple[str, ...] = SCALAR_FIELDS, *, sets: bool = True) -> Report:
    report = new_report(field_names, sets=sets)
    for pred, truth in pairs:
        add_pair(report, pred, truth)
    return report
