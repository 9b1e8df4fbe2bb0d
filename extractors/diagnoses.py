"""Diagnoses from rows: ICD-10-CM codes (validated, OCR-repaired only into valid codes), description-only diagnoses
mapped by fuzzy match over the official titles, and negation from the sentence around each.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from extractors import icd
from extractors.fields import Entity
from extractors.layout import Row, Token
from extractors.negation import is_negated

#: "Dx" is a label only with its colon or opening its row: inside a row it is more often OCR's reading of something
#: else ("ROUNDING 7 9 Dx 001" on a shop receipt).
_DX_LABEL = re.compile(r"\b(?:diagnos[ie]s|icd[-\s]?10(?:[-\s]?cm)?|assessment|impression|reason\s+for\s+visit)\b|"
                       r"^\W*dx\b|\bdx\s*[:#]", re.I)
_NOTE_LABEL = re.compile(r"\b(?:notes?|comments?|clinical\s+notes?|remarks|findings|history)\b", re.I)
_SECTION_END = re.compile(
    r"\b(?:description|qty|quantity|amount|charges?|total|procedure|services?|cpt|payments?|balance)\b", re.I)
_TRIGGERS = re.compile(
    r"\b(?:ruled\s+out|no\s+evidence\s+of|denies|negative\s+for|was\s+excluded|excluded|r/o|negative|"
    r"no\s+signs?\s+of|free\s+of|absence\s+of)\b", re.I)
_CODE_TOKEN = re.compile(r"^[(\[]?[A-Z0-9][0-9OIlSBZG][0-9A-Z](?:[.,·][0-9A-Z]{1,4}|[0-9A-Z]{1,4})?[)\],;:.]*$", re.I)


@dataclass(frozen=True, slots=True)
class FoundDiagnosis:
    code: str
    description: str
    negated: bool
    tokens: tuple[Token, ...]
    certainty: float


def diagnoses(rows: Sequence[Row], ents: Sequence[Entity], item_rows: set[int]) -> list[FoundDiagnosis]:
    """Diagnoses in document order, one per code (a code printed twice is reported once)."""
    out: dict[str, FoundDiagnosis] = {}
    dx_ent_tokens = {t.index for e in ents if e.label in ("DX_CODE", "DIAGNOSIS") for t in e.tokens}
    # A bare category code ("O12", "C38") outside any diagnosis label is, on a document that labels no diagnosis at
    # all, a shop's table number or a product code the model took for one (4 of 100 real receipts; 0 of ~900 bills)
    labelled = any(_DX_LABEL.search(r.text) for r in rows)
    in_section = False
    for row in rows:
        text = row.text
        if _DX_LABEL.search(text):
            in_section = True
        elif in_section and (_SECTION_END.search(text) and not _TRIGGERS.search(text)):
            in_section = False
        if row.index in item_rows:
            continue
        context = in_section or bool(_DX_LABEL.search(text))
        found_code = False
        for i, tok in enumerate(row.tokens):
            if not _CODE_TOKEN.match(tok.text):
                continue
            dotted = bool(re.search(r"[.,·]", tok.text.strip("()[],;:.")))
            if not (context or tok.index in dx_ent_tokens or (dotted and re.match(r"^[(\[]?[A-Z]", tok.text))):
                continue
            m = icd.normalize_code(tok.text)
            if m is None:
                continue
            if not tok.text.strip("([")[:1].isalpha() and not context:
                continue  # a number read as a code ("110") only counts in a diagnosis section
            if not labelled and "." not in m.code:
                continue
            found_code = True
            start = sum(len(t.text) + 1 for t in row.tokens[:i])
            negated = is_negated(text, start, start + len(tok.text))
            certainty = 0.97 if not m.repaired else 0.85
            if not context and tok.index not in dx_ent_tokens:
                certainty -= 0.1
            _add(out, FoundDiagnosis(m.code, m.description, negated, (tok,), certainty))
        if found_code:
            continue
        # description-only: a negated note anywhere, or a line of a diagnosis section
        if _TRIGGERS.search(text) and (context or _NOTE_LABEL.search(text) or _looks_clinical(text)):
            for d in _from_sentences(row):
                _add(out, d)
        elif context:
            body = _DX_LABEL.sub("", text)
            body = re.sub(r"^[\s:#.\-\d)]+", "", body)
            if len(re.findall(r"[A-Za-z]{3,}", body)) >= 1 and not re.fullmatch(r"(?i)\s*(?:codes?|list|primary|secondary|"
                                                                             r"icd|cm)?\W*", body):
                m2 = icd.match_description(body)
                if m2 is not None:
                    _add(out, FoundDiagnosis(m2.code, m2.description, False, row.tokens, m2.score * 0.95))
    # model-proposed descriptions outside the rules' reach
    for e in ents:
        if e.label != "DIAGNOSIS" or e.tokens[0].row in item_rows:
            continue
        m3 = icd.match_description(e.text)
        if m3 is None or m3.code in out:
            continue
        row = next(r for r in rows if r.index == e.tokens[0].row)
        start = row.text.find(e.text)
        negated = is_negated(row.text, start, start + len(e.text)) if start >= 0 else False
        _add(out, FoundDiagnosis(m3.code, m3.description, negated, e.tokens, m3.score * 0.85))
    return list(out.values())


def _looks_clinical(text: str) -> bool:
    return bool(re.search(r"\b(?:patient|pt|symptoms?|exam|x-?ray|test)\b", text, re.I)) or len(text.split()) <= 8


def _add(out: dict[str, FoundDiagnosis], d: FoundDiagnosis) -> None:
    if d.code not in out or out[d.code].certainty < d.certainty:
        out[d.code] = d


_SENTENCE = re.compile(r"[^.;]+")
_STRIP = re.compile(
    r"\b(?:notes?|comments?|clinical\s+notes?|remarks|findings|patient|pt|symptoms\s+of|history\s+of|was|were|has\s+been|"
    r"is|ruled\s+out|no\s+evidence\s+of|denies|negative\s+for|excluded|r/o|negative|no\s+signs?\s+of|free\s+of|"
    r"absence\s+of)\b|[:\-–]", re.I)


def _from_sentences(row: Row) -> list[FoundDiagnosis]:
    text = row.text
    found: list[FoundDiagnosis] = []
    for s in _SENTENCE.finditer(text):
        sentence = s.group(0)
        if not _TRIGGERS.search(sentence):
            continue
        term = re.sub(r"\s+", " ", _STRIP.sub(" ", sentence)).strip(" ,.")
        if len(term) < 3:
            continue
        m = icd.match_description(term)
        if m is None:
            continue
        t_start = s.start() + sentence.find(term.split()[0])
        negated = is_negated(text, t_start, t_start + len(term)) if t_start >= s.start() else False
        negated = negated or bool(re.search(r"\b(?:ruled\s+out|no\s+evidence|denies|negative|excluded)\b", sentence, re.I))
        toks = tuple(row.span_tokens(s.start(), s.end())) or row.tokens
        found.append(FoundDiagnosis(m.code, m.description, negated, toks, m.score * 0.95))
    return found


__all__ = ["FoundDiagnosis", "diagnoses"]
