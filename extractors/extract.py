"""Field extraction from OCR words: OcrResult in, Extraction out.

This is the foundation's first extractor — labelled fields found by patterns over OCR lines, with evidence (page,
bbox, confidence) taken from the words that were read. The NER issue (#6) replaces it with a trained spaCy pipeline;
the function signature stays.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from claimflow.model import BBox, DocumentRef, Evidence, Extraction, OcrResult, Patient, Word
from claimflow.money import to_money

EXTRACTOR = "claimflow-patterns/0.1"

_MONEY = re.compile(r"(?<![\d.,])(?:[$€£]|RM|USD|MYR)?\s?(\d{1,3}(?:,\d{3})+|\d+)[.,](\d{2})(?![\d])")
_TOTAL_LABELS = [  # strongest first: total charges beat balance due and amounts paid
    re.compile(r"\btotal\s+charges?\b", re.I),
    re.compile(r"\b(?:grand\s+)?total\b(?!\s*(?:paid|payments?|adjustments?|discount|tax|qty|items?))", re.I),
]
_NOT_TOTAL = re.compile(r"\b(?:sub\s*-?\s*total|balance|paid|payments?|adjust|discount|change|tax|rounding)\b", re.I)
_DATE_LABEL = re.compile(r"\b(?:date\s+of\s+service|service\s+date|dos|visit\s+date|date)\b", re.I)
_BIRTH = re.compile(r"\b(?:dob|d\.o\.b|birth)\b", re.I)
_MEMBER = re.compile(
    r"\b(?:member|subscriber|policy|insured|patient)\s*(?:id|no|number|#)\.?\s*[:#]?\s*([A-Z0-9][A-Z0-9-]{4,20})\b", re.I
)
_MONTHS = {m: i for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}
_DATE_PATTERNS = [
    (re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"), "ymd"),
    (re.compile(r"\b(\d{1,2})[/.](\d{1,2})[/.](\d{4}|\d{2})\b"), "mdy"),
    (re.compile(r"\b([A-Za-z]{3})[a-z]*\.?\s+(\d{1,2}),?\s+(\d{4})\b"), "Mdy"),
    (re.compile(r"\b(\d{1,2})-([A-Za-z]{3})-(\d{2,4})\b"), "dMy"),
]


@dataclass(frozen=True)
class _Line:
    page: int
    words: tuple[Word, ...]

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    def evidence(self, start: int | None = None, end: int | None = None) -> Evidence:
        """Evidence for the words overlapping characters [start, end) of ``text`` (the whole line by default)."""
        chosen, pos = [], 0
        for w in self.words:
            w_start, w_end = pos, pos + len(w.text)
            if start is None or (w_end > start and w_start < (end if end is not None else w_end)):
                chosen.append(w)
            pos = w_end + 1
        chosen = chosen or list(self.words)
        box = BBox.union([w.bbox for w in chosen])
        return Evidence(page=self.page, bbox=box.as_list(), confidence=min(w.confidence for w in chosen))


def _lines(ocr: OcrResult) -> list[_Line]:
    out: list[_Line] = []
    for page in ocr.pages:
        groups: dict[int, list[Word]] = {}
        for w in page.words:
            groups.setdefault(w.line, []).append(w)
        out.extend(_Line(page.number, tuple(ws)) for _, ws in sorted(groups.items()) if ws)
    return out


def parse_date(text: str, *, day_first: bool = False) -> tuple[dt.date, int, int] | None:
    """The first date in ``text`` with its character span, or None. Two-digit years are 20xx."""
    for pattern, order in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            a, b, c = m.groups()
            try:
                if order == "ymd":
                    y, mo, d = int(a), int(b), int(c)
                elif order == "mdy":
                    y = int(c) + (2000 if len(c) == 2 else 0)
                    mo, d = (int(b), int(a)) if day_first or int(a) > 12 else (int(a), int(b))
                elif order == "Mdy":
                    mo, d, y = _MONTHS[a[:3].lower()], int(b), int(c)
                else:
                    d, mo, y = int(a), _MONTHS[b[:3].lower()], int(c) + (2000 if len(c) == 2 else 0)
                return dt.date(y, mo, d), m.start(), m.end()
            except (KeyError, ValueError):
                continue
    return None


def parse_money(text: str) -> list[tuple[Decimal, int, int]]:
    return [(to_money(f"{m.group(1).replace(',', '')}.{m.group(2)}"), m.start(1), m.end()) for m in _MONEY.finditer(text)]


def _currency(text: str) -> str | None:
    if re.search(r"\bRM\s?\d|\bMYR\b", text):
        return "MYR"
    if "€" in text or re.search(r"\bEUR\b", text):
        return "EUR"
    if "£" in text or re.search(r"\bGBP\b", text):
        return "GBP"
    if "$" in text or re.search(r"\bUSD\b", text):
        return "USD"
    return None


def extract(ocr: OcrResult) -> Extraction:
    lines = _lines(ocr)
    fields: dict[str, Evidence] = {}
    warnings: list[str] = []

    total = None
    for label in _TOTAL_LABELS:
        for line in reversed(lines):  # the last labelled total on a document is usually the final one
            if label.search(line.text) and not (_NOT_TOTAL.search(line.text) and label is not _TOTAL_LABELS[0]):
                amounts = parse_money(line.text)
                if amounts:
                    total, s, e = amounts[-1]
                    fields["total"] = line.evidence(s, e)
                    break
        if total is not None:
            break
    if total is None:
        warnings.append("total: no labelled total found")

    service_date = None
    for line in lines:
        if _DATE_LABEL.search(line.text) and not _BIRTH.search(line.text):
            found = parse_date(line.text)
            if found:
                service_date, s, e = found
                fields["service_dates[0]"] = line.evidence(s, e)
                break
    if service_date is None:
        warnings.append("service_dates: no date of service found")

    member_id = None
    for line in lines:
        m = _MEMBER.search(line.text)
        if m:
            member_id = m.group(1).upper()
            fields["patient.member_id"] = line.evidence(m.start(1), m.end(1))
            break
    if member_id is None:
        warnings.append("patient.member_id: not found")

    doc = ocr.document
    return Extraction(
        document=DocumentRef(file=doc.path, sha256=doc.sha256, pages=doc.pages, kind=doc.kind),
        patient=Patient(member_id=member_id),
        service_dates=[service_date] if service_date else [],
        total=total,
        currency=_currency(ocr.text),
        fields=fields,
        warnings=warnings + list(ocr.warnings),
        extractor=EXTRACTOR,
    )
