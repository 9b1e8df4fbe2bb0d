"""The provider's name as a learned choice: the letterhead rows near the top of page 1 are the candidates.

``provider_candidates(rows, rules_pick)`` lists them: each of the first ``TOP_ROWS`` rows of page 1 (its words'
unambiguous OCR confusions undone, ``extractors.provider_repair``; junk at its ends, a registration number and a
former name dropped), each run of two or three such rows read as one name ("POPULAR BOOK" / "CO. (M) SDN BHD"), a
row's first column block where a wide gap splits it, and the hand rules' pick (``extractors.provider``).
``provider_features`` describes each: its place (rank among the rows, among the rows with text, rows it spans,
horizontal centring), glyph height against the page's text, capitals / letters / digits share, OCR confidence,
word-likeness, legal-entity words (SDN BHD, LTD, PTE, ENTERPRISE ...), organisation words (HOSPITAL, CLINIC,
PHARMACY, RESTAURANT ...), whether it or the row after it is an address, contact or registration line, a heading,
a date or an amount, the signs of a misread, the NER model's PROVIDER entity, and whether the hand rules chose it.
The model (``extractors.chooser.model``, field ``provider``) scores each; the best is ``provider.name``.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from claimflow.evaluation.compare import normalize_name
from extractors.chooser.model import ChooserModel
from extractors.fields import Entity, Found, clean_name
from extractors.layout import Row, Token
from extractors.provider import (
    _CONTACT,
    _DATE_OR_MONEY,
    _FORMER_NAME,
    _HEADING,
    _LEGAL,
    _ORG,
    _PLACE,
    _REG_NO,
    _STREET,
    _distinctive,
    _repaired,
    _segments,
    _trim,
    _wordlike,
)
from extractors.provider_repair import misread, repair_name

#: Rows from the top of page 1 that may hold the letterhead, and the most rows one name may span.
TOP_ROWS = 14
MAX_SPAN = 3
#: A candidate's value shorter than this many letters is a speck, not a name.
MIN_LETTERS = 3
_CONNECTOR_END = re.compile(r"(?:&|\band|\bof|\bthe|-|\()$", re.I)
_SUFFIX_START = re.compile(r"^[^\w(]*(?:sdn|bhd|berhad|s/b|co\b|\(m\)|company|inc|llc|ltd|limited|corp|pte|"
                           r"[({\[]?[c(][o0][.,])", re.I)
#: The end of a legal suffix: where a company's name ends.
_LEGAL_END = re.compile(r"\b(?:sdn\.?\s*,?\s*bhd|s\s*/\s*b|berhad|enterprise|trading|ltd|limited|pte\.?\s*ltd)\b\.?",
                        re.I)
_PTE = re.compile(r"\bpte\b|\bpvt\b|\bprivate\b", re.I)


@dataclass(frozen=True, slots=True)
class ProviderCandidate:
    """One name the letterhead may hold: its value, the words it was read from, where it starts (its rank among
    the top rows) and how many rows it spans; ``rules``: the hand rules' pick (their joins and repairs)."""

    value: str
    tokens: tuple[Token, ...]
    first: int
    span: int
    raw: str
    rules: bool = False
    #: How it was read off the rows (``KINDS``): a run of rows, cut before a contact label, cut after its legal
    #: suffix, the row untrimmed, a row's first column block, or the rules' pick.
    kind: str = "rows"


def _clean(tokens: Sequence[Token]) -> tuple[tuple[Token, ...], str]:
    toks = _trim(tokens)
    raw = " ".join(t.text for t in toks)
    text = re.sub(r"\s+", " ", _REG_NO.sub(" ", raw)).strip(" ,.;:-*'\"|")
    return toks, clean_name(repair_name(text))


def _letters(text: str) -> int:
    return sum(c.isalpha() for c in text)


def provider_candidates(rows: Sequence[Row], rules_pick: Found | None = None) -> list[ProviderCandidate]:
    """The page-1 letterhead candidates (see the module docstring), the first of equal values kept."""
    top = [_repaired(r) for r in rows if r.page == 1][:TOP_ROWS]
    blocks: list[tuple[tuple[Token, ...], str]] = []
    for row in top:
        toks: Sequence[Token] = row.tokens
        m = _FORMER_NAME.search(row.text)
        if m is not None:  # a company's former name follows the phrase: only what precedes it
            toks = row.tokens[: len(row.text[: m.start()].split())]
        blocks.append(_clean(toks) if toks else ((), ""))
    out: list[ProviderCandidate] = []
    seen: set[str] = set()

    def add(c: ProviderCandidate) -> None:
        key = normalize_name(c.value)
        if _letters(c.value) >= MIN_LETTERS and key not in seen:
            seen.add(key)
            out.append(c)

    if rules_pick is not None:
        first, span = _rows_of(top, rules_pick.tokens)
        add(ProviderCandidate(rules_pick.value, rules_pick.tokens, first, span, rules_pick.value, rules=True,
                              kind="rules"))
    for i, row in enumerate(top):
        for span in range(1, MAX_SPAN + 1):
            part = blocks[i : i + span]
            if len(part) < span or any(not toks for toks, _ in part):
                break
            toks = tuple(t for ts, _ in part for t in ts)
            add(ProviderCandidate(" ".join(v for _, v in part), toks, i, span, " ".join(t.text for t in toks)))
        toks, value = blocks[i]
        raw = " ".join(t.text for t in toks)
        if (m := _CONTACT.search(value)) is not None and _letters(value[: m.start()]) >= MIN_LETTERS:
            # a label of the registration or contact line read into the name's row ("... SDN BHD CO.REG :")
            add(ProviderCandidate(clean_name(value[: m.start()].strip(" ,.;:-([")), toks, i, 1, raw, kind="contact_cut"))
        if (m := _LEGAL_END.search(value)) is not None and m.end() < len(value):
            # a legal name ends at its legal suffix: what follows is a branch code or a stamp ("... S/B KJ1")
            add(ProviderCandidate(clean_name(value[: m.end()]), toks, i, 1, raw, kind="legal_cut"))
        whole = [t for t in row.tokens if t.text not in ("|", "||", "¦")]
        if whole and len(whole) > len(toks):
            # the row as printed, a short word the trimming took for a logo kept ("B BEST RESTAURANT")
            text = re.sub(r"\s+", " ", _REG_NO.sub(" ", " ".join(t.text for t in whole))).strip(" ,.;:-*'\"|")
            add(ProviderCandidate(clean_name(repair_name(text)), tuple(whole), i, 1, " ".join(t.text for t in whole),
                                  kind="untrimmed"))
        segs = _segments(row)
        if len(segs) > 1:
            toks, value = _clean(segs[0])
            if toks:
                add(ProviderCandidate(value, toks, i, 1, " ".join(t.text for t in toks), kind="segment"))
    return out


def _rows_of(top: Sequence[Row], tokens: Sequence[Token]) -> tuple[int, int]:
    """The rank among ``top`` of the first row holding one of ``tokens``, and how many rows hold them."""
    ids = {t.index for t in tokens}
    held = [i for i, r in enumerate(top) if any(t.index in ids for t in r.tokens)]
    return (held[0], len(held)) if held else (len(top), 1)


KINDS = ("rows", "contact_cut", "legal_cut", "untrimmed", "segment", "rules")
FEATURES: tuple[str, ...] = (
    "rules", "rules_value", "rules_overlap", "rules_certainty", "rules_any",
    "first", "text_rank", "span", "n_words", "n_letters", "height_rel", "height_top", "centred",
    "caps", "letters", "digits", "conf_mean", "conf_min", "wordlike", "lowercase",
    "legal", "legal_end", "pte", "org", "street", "place", "contact", "heading", "date_money", "colon",
    "reg_in", "reg_after", "address_after", "contact_after", "suffix_after", "connector_end",
    "misread", "distinctive", "ner", "ner_start", "bracket", *(f"kind_{k}" for k in KINDS),
)


def provider_features(cands: Sequence[ProviderCandidate], rows: Sequence[Row], ents: Sequence[Entity] = (), *,
                      rules_pick: Found | None = None) -> np.ndarray:
    """One row of ``FEATURES`` per candidate (float32)."""
    if not cands:
        return np.zeros((0, len(FEATURES)), np.float32)
    page1 = [r for r in rows if r.page == 1]
    top = page1[:TOP_ROWS]
    body = statistics.median(t.height for r in page1[:60] for t in r.tokens) or 1.0
    toks1 = [t for r in page1 for t in r.tokens]
    left, right = min(t.bbox.x0 for t in toks1), max(t.bbox.x1 for t in toks1)
    tallest = max((statistics.median(t.height for t in r.tokens) for r in top), default=body)
    texty = [i for i, r in enumerate(top) if _letters(r.text) >= MIN_LETTERS]
    ner_tokens = {t.index for e in ents if e.label == "PROVIDER" for t in e.tokens}
    ner_starts = {e.tokens[0].index for e in ents if e.label == "PROVIDER" and e.tokens}
    rules_key = normalize_name(rules_pick.value) if rules_pick is not None else None
    rules_ids = {t.index for t in rules_pick.tokens} if rules_pick is not None else set()
    wordlike: dict[str, bool] = {}  # runs of rows share their words and the row after them: each is judged once
    following: dict[int, list[float]] = {}

    def after_flags(k: int) -> list[float]:
        if k not in following:
            after = top[k].text if k < len(top) else ""
            following[k] = [float(bool(_REG_NO.search(after))),
                            float(bool(_STREET.search(after) or _PLACE.search(after))),
                            float(bool(_CONTACT.search(after))),
                            float(bool(_SUFFIX_START.match(after) and _LEGAL.search(repair_name(after))))]
        return following[k]

    out = np.zeros((len(cands), len(FEATURES)), np.float32)
    for i, c in enumerate(cands):
        v, tk = c.value, c.tokens
        letters = _letters(v)
        chars = max(1, sum(not ch.isspace() for ch in v))
        words = v.split()
        for w in words:
            if w not in wordlike:
                wordlike[w] = _wordlike(w)
        h = statistics.median(t.height for t in tk) if tk else body
        x0, x1 = (min(t.bbox.x0 for t in tk), max(t.bbox.x1 for t in tk)) if tk else (left, right)
        width = max(1.0, right - left)
        feats = [
            float(c.rules), float(rules_key is not None and normalize_name(v) == rules_key),
            len(rules_ids & {t.index for t in tk}) / max(1, len(tk)),
            rules_pick.certainty if rules_pick is not None else 0.0, float(rules_pick is not None),
            min(c.first, TOP_ROWS), next((k for k, j in enumerate(texty) if j >= c.first), len(texty)), c.span,
            len(words), min(60, letters), h / body, h / tallest, abs((x0 + x1) / 2 - (left + right) / 2) / width,
            sum(ch.isupper() for ch in v) / max(1, letters), letters / chars, sum(ch.isdigit() for ch in v) / chars,
            statistics.fmean(t.confidence for t in tk) if tk else 0.0, min((t.confidence for t in tk), default=0.0),
            sum(wordlike[w] for w in words) / max(1, len(words)), float(v == v.lower()),
            float(bool(_LEGAL.search(_CONTACT.sub(" ", v)))), float(bool(_LEGAL.search(v.split()[-1] if words else ""))),
            float(bool(_PTE.search(v))), float(bool(_ORG.search(v))), float(bool(_STREET.search(v))),
            float(bool(_PLACE.search(v))), float(bool(_CONTACT.search(c.raw))), float(bool(_HEADING.search(v))),
            float(bool(_DATE_OR_MONEY.search(v))), float(":" in c.raw),
            float(bool(_REG_NO.search(c.raw))), *after_flags(c.first + c.span),
            float(bool(_CONNECTOR_END.search(v))),
            float(misread(v) is not None), float(_distinctive(v)),
            sum(t.index in ner_tokens for t in tk) / max(1, len(tk)), float(bool(tk) and tk[0].index in ner_starts),
            float(bool(re.search(r"[()\[\]{}]", v))), *(float(c.kind == k) for k in KINDS),
        ]
        out[i] = feats
    return out


@dataclass(frozen=True, slots=True)
class ProviderChoice:
    candidate: ProviderCandidate
    #: How sure the model is the candidate is the provider's name (``decide_provider``).
    probability: float


def candidates_and_features(rows: Sequence[Row], ents: Sequence[Entity], rules_pick: Found | None
                            ) -> tuple[list[ProviderCandidate], np.ndarray]:
    cands = provider_candidates(rows, rules_pick)
    return cands, provider_features(cands, rows, ents, rules_pick=rules_pick)


def decide_provider(rows: Sequence[Row], ents: Sequence[Entity], rules_pick: Found | None,
                    model: ChooserModel) -> ProviderChoice | None:
    """The model's provider name among the letterhead candidates (None: no candidate)."""
    cands, x = candidates_and_features(rows, ents, rules_pick)
    if not cands:
        return None
    p = model.predict(x)
    i = int(np.argmax(p))
    # the candidate's probability times its share of the page's probability mass: a name whose rivals (the same
    # row read with the next, a repaired reading) score as high is less sure — on the real receipts' folds this
    # halves the overconfidence of the probability alone (README, "The provider chooser")
    return ProviderChoice(cands[i], float(p[i] * p[i] / p.sum()))


__all__ = ["FEATURES", "MAX_SPAN", "TOP_ROWS", "ProviderCandidate", "ProviderChoice", "candidates_and_features",
           "decide_provider", "provider_candidates", "provider_features"]
