"""Training data for the NER model: OCR output of generated documents with gold spans aligned from their truth files.

The model learns from what OCR really reads (noise included), so every gold span is found in the OCR'd text, never
taken from the clean truth text: identifiers by their letters and digits, names and descriptions by fuzzy match,
dates / money / codes by the same normalizers extraction uses. Mentions that OCR mangled beyond recognition stay
unlabelled (a little label noise), which is better than labelling text the model will never see.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz
from spacy.language import Language
from spacy.tokens import Doc, Span

from claimflow.model import OcrResult
from extractors import icd
from extractors.layout import build_rows
from extractors.ner.pipeline import make_doc, row_doc
from extractors.normalize import find_dates, parse_money

log = logging.getLogger(__name__)

#: When two gold spans overlap, the earlier label here wins.
PRIORITY = ("DX_CODE", "PROC_CODE", "MEMBER_ID", "INVOICE_NO", "DATE", "MONEY", "PATIENT", "PROVIDER", "DIAGNOSIS")


@dataclass(frozen=True, slots=True)
class Example:
    name: str
    doc: Doc  # with gold entities set


def _rows_of(doc: Doc) -> Iterator[tuple[int, int]]:
    start = 0
    for i in range(len(doc) + 1):
        if i == len(doc) or doc[i].text == "\n":
            if i > start:
                yield start, i
            start = i + 1


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s&'.-]", " ", text.lower())).strip(" .-")


def _key(text: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", text.upper())


def _fuzzy(doc: Doc, target: str, label: str, threshold: float) -> list[Span]:
    """Every non-overlapping window of a row whose text matches ``target`` at least ``threshold`` (0..100)."""
    want = _norm(target)
    if not want:
        return []
    k = len(target.split())
    found: list[tuple[float, int, int]] = []
    for rs, re_ in _rows_of(doc):
        for n in range(max(1, k - 1), k + 2):
            for s in range(rs, re_ - n + 1):
                text = _norm(doc[s : s + n].text)
                if not text or abs(len(text) - len(want)) > max(3, len(want) // 4):
                    continue
                score = fuzz.ratio(text, want)
                if score >= threshold:
                    found.append((score, s, s + n))
    spans: list[Span] = []
    taken: set[int] = set()
    for score, s, e in sorted(found, key=lambda f: (-f[0], f[1])):
        if any(i in taken for i in range(s, e)):
            continue
        # trim label punctuation tokens at the edges
        while s < e and not re.search(r"\w", doc[s].text):
            s += 1
        while e > s and not re.search(r"\w", doc[e - 1].text):
            e -= 1
        if s < e:
            spans.append(Span(doc, s, e, label=label))
            taken.update(range(s, e))
    return spans


def _identifier(doc: Doc, value: str, label: str) -> list[Span]:
    want = _key(value)
    if len(want) < 3:
        return []
    spans = []
    for rs, re_ in _rows_of(doc):
        for n in range(1, 5):
            for s in range(rs, re_ - n + 1):
                got = _key(doc[s : s + n].text)
                if got == want or (len(want) >= 8 and len(got) == len(want) and fuzz.ratio(got, want) >= 88):
                    # the first and last token must carry part of the value, not only a label
                    if _key(doc[s].text) and _key(doc[s + n - 1].text):
                        spans.append(Span(doc, s, s + n, label=label))
    return spans


def _dates(doc: Doc) -> list[Span]:
    spans = []
    for rs, re_ in _rows_of(doc):
        row = doc[rs:re_]
        for raw in find_dates(row.text):
            sp = doc.char_span(row.start_char + raw.start, row.start_char + raw.end, label="DATE",
                               alignment_mode="expand")
            if sp is not None:
                spans.append(sp)
    return spans


def _money(doc: Doc) -> list[Span]:
    return [Span(doc, t.i, t.i + 1, label="MONEY") for t in doc if t.text != "\n" and parse_money(t.text) is not None]


def _codes(doc: Doc, codes: set[str], label: str, *, icd_codes: bool) -> list[Span]:
    out = []
    for t in doc:
        text = t.text.strip("()[],;:|'.")
        if icd_codes:
            m = icd.normalize_code(text)
            if m is not None and m.code in codes:
                out.append(Span(doc, t.i, t.i + 1, label=label))
        elif text in codes:
            out.append(Span(doc, t.i, t.i + 1, label=label))
    return out


def annotate(doc: Doc, truth: dict[str, Any]) -> Doc:
    """Set ``doc.ents`` to the gold entities found for ``truth`` (an Extraction in its JSON form)."""
    spans: list[Span] = []
    patient = truth.get("patient") or {}
    provider = truth.get("provider") or {}
    if patient.get("name"):
        name = patient["name"]
        spans += _fuzzy(doc, name, "PATIENT", 86)
        parts = name.replace(".", "").split()
        if len(parts) >= 2:  # "GARZA, ERIC" style
            spans += _fuzzy(doc, f"{parts[-1]}, {' '.join(parts[:-1])}", "PATIENT", 86)
    if provider.get("name"):
        spans += _fuzzy(doc, provider["name"], "PROVIDER", 85)
    if patient.get("member_id"):
        spans += _identifier(doc, patient["member_id"], "MEMBER_ID")
    if truth.get("invoice_number"):
        spans += _identifier(doc, truth["invoice_number"], "INVOICE_NO")
    spans += _dates(doc)
    spans += _money(doc)
    dx = truth.get("diagnoses") or []
    spans += _codes(doc, {d["code"] for d in dx if d.get("code")}, "DX_CODE", icd_codes=True)
    spans += _codes(doc, {i["code"] for i in truth.get("line_items") or [] if i.get("code")}, "PROC_CODE",
                    icd_codes=False)
    aliases: dict[str, list[str]] = {}
    for phrase, code in icd.ALIASES.items():
        aliases.setdefault(code, []).append(phrase)
    for d in dx:
        if d.get("description"):
            spans += _fuzzy(doc, d["description"], "DIAGNOSIS", 85)
        for phrase in aliases.get(d.get("code") or "", []):
            if len(phrase) >= 5:
                spans += _fuzzy(doc, phrase, "DIAGNOSIS", 90)
    doc.ents = _resolve(spans)
    return doc


def _resolve(spans: Iterable[Span]) -> list[Span]:
    rank = {label: i for i, label in enumerate(PRIORITY)}
    chosen: list[Span] = []
    taken: set[int] = set()
    for sp in sorted(spans, key=lambda s: (rank[s.label_], -(s.end - s.start), s.start)):
        if any(i in taken for i in range(sp.start, sp.end)):
            continue
        chosen.append(sp)
        taken.update(range(sp.start, sp.end))
    return sorted(chosen, key=lambda s: s.start)


def gold_documents(dirs: Iterable[Path]) -> Iterator[tuple[Path, dict[str, Any]]]:
    """(document path, truth) for every ``NAME.truth.json`` with its document beside it, sorted by name."""
    for d in dirs:
        for tj in sorted(Path(d).glob("*.truth.json")):
            truth = json.loads(tj.read_text("utf-8"))
            doc = tj.parent / truth["document"]["file"]
            if doc.exists():
                yield doc, truth


def examples(nlp: Language, items: Iterable[tuple[Path, dict[str, Any], OcrResult]]) -> Iterator[Example]:
    for path, truth, ocr in items:
        rows = build_rows(ocr)
        rd = row_doc(rows)
        if not rd.tokens:
            continue
        doc = annotate(make_doc(nlp, rd), truth)
        yield Example(path.name, doc)


__all__ = ["PRIORITY", "Example", "annotate", "examples", "gold_documents"]
