"""ICD-10-CM: code validation with OCR repair, and description → code lookup over the official descriptions.

Every code claimflow reports is valid in ``simple_icd_10_cm`` (the CMS release it ships). An OCR-damaged code is
repaired only when the repair yields a valid code (``J2O.9`` → ``J20.9``); otherwise it is dropped, never guessed.
A diagnosis printed without its code is matched against the official descriptions with rapidfuzz; the match score is
its confidence.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from functools import cache, lru_cache

import simple_icd_10_cm as cm
from rapidfuzz import fuzz, process, utils

#: Shape of a code as printed, allowing the characters OCR confuses with digits and letters.
CODE_SHAPE = re.compile(r"^[A-Z0-9][0-9OIlSBZG][0-9A-Z]([.,·]?[0-9A-Z]{1,4})?$", re.I)
_AS_DIGIT = {"O": "0", "Q": "0", "D": "0", "I": "1", "L": "1", "S": "5", "B": "8", "Z": "2", "G": "6", "T": "7"}
_AS_LETTER = {"0": "O", "1": "I", "5": "S", "8": "B", "2": "Z", "6": "G", "7": "T"}


@dataclass(frozen=True, slots=True)
class CodeMatch:
    code: str  # dotted, e.g. "J20.9"
    description: str  # official description
    repaired: bool  # OCR characters had to be changed


def is_code(code: str) -> bool:
    """A billable-or-category ICD-10-CM code (not a chapter or block), dotted form."""
    return bool(re.fullmatch(r"[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?", code)) and _valid(code)


@cache
def _valid(code: str) -> bool:
    try:
        return cm.is_valid_item(code) and not cm.is_chapter_or_block(code)
    except (ValueError, KeyError):
        return False


def description(code: str) -> str:
    return cm.get_description(code)


def normalize_code(text: str) -> CodeMatch | None:
    """Read a printed code: ``j20.9``, ``J209``, ``J20,9``, ``J2O.9`` → ``J20.9``. None when no valid code results."""
    s = text.strip().strip(".,;:()[]").upper()
    if not CODE_SHAPE.match(s) or not any(c.isdigit() for c in s):
        return None  # a word ("not" → N07) is never read as a code
    s = re.sub(r"[,·]", ".", s)
    head, _, tail = s.partition(".")
    if not tail and len(head) > 3:
        head, tail = head[:3], head[3:]
    if not 3 <= len(head) <= 3 or len(tail) > 4:
        return None
    dotted = f"{head}.{tail}" if tail else head
    if is_code(dotted):
        return CodeMatch(dotted, description(dotted), repaired=False)
    # OCR repair: the first character is a letter, the second a digit, the rest either; try the fewest changes.
    options: list[list[str]] = []
    for i, ch in enumerate(head + tail):
        alts = [ch]
        if i == 0 and ch in _AS_LETTER:
            alts = [_AS_LETTER[ch]]
        elif i == 1 and ch in _AS_DIGIT:
            alts = [_AS_DIGIT[ch]]
        elif i >= 2:
            if ch in _AS_DIGIT:
                alts.append(_AS_DIGIT[ch])
            elif ch in _AS_LETTER:
                alts.append(_AS_LETTER[ch])
        options.append(alts)
    best: tuple[int, str] | None = None
    for combo in itertools.product(*options):
        chars = "".join(combo)
        cand = f"{chars[:3]}.{chars[3:]}" if len(chars) > 3 else chars
        if cand != dotted and is_code(cand):
            changes = sum(a != b for a, b in zip(chars, head + tail, strict=True))
            if best is None or changes < best[0]:
                best = (changes, cand)
    if best is None or best[0] > 2:
        return None
    return CodeMatch(best[1], description(best[1]), repaired=True)


# --- description → code -----------------------------------------------------------------------------------------

#: Everyday clinical phrases for conditions whose official title is worded differently. Each maps to the code a
#: coder assigns when nothing more specific is documented (the "unspecified" code).
ALIASES: dict[str, str] = {
    "pneumonia": "J18.9",
    "sepsis": "A41.9",
    "covid-19": "U07.1",
    "covid": "U07.1",
    "heart attack": "I21.9",
    "myocardial infarction": "I21.9",
    "acute myocardial infarction": "I21.9",
    "kidney stone": "N20.0",
    "kidney stones": "N20.0",
    "calculus of kidney": "N20.0",
    "strep throat": "J02.0",
    "streptococcal pharyngitis": "J02.0",
    "appendicitis": "K35.80",
    "acute appendicitis": "K35.80",
    "fracture of the right wrist": "S62.101A",
    "right wrist fracture": "S62.101A",
    "fracture of the left wrist": "S62.102A",
    "left wrist fracture": "S62.102A",
    "urinary tract infection": "N39.0",
    "uti": "N39.0",
    "hypertension": "I10",
    "high blood pressure": "I10",
    "type 2 diabetes": "E11.9",
    "influenza": "J11.1",
    "flu": "J11.1",
    "migraine": "G43.909",
    "asthma": "J45.909",
    "gerd": "K21.9",
    "acid reflux": "K21.9",
    "anxiety": "F41.9",
    "depression": "F32.A",
    "back pain": "M54.9",
    "low back pain": "M54.50",
    "headache": "R51.9",
    "chest pain": "R07.9",
    "fever": "R50.9",
    "cough": "R05.9",
    "bronchitis": "J40",
    "acute bronchitis": "J20.9",
    "sinusitis": "J32.9",
    "otitis media": "H66.90",
    "conjunctivitis": "H10.9",
    "dermatitis": "L30.9",
    "obesity": "E66.9",
    "stroke": "I63.9",
    "pulmonary embolism": "I26.99",
    "deep vein thrombosis": "I82.409",
    "fracture": "T14.8XXA",
    "concussion": "S06.0X0A",
    "cellulitis": "L03.90",
    "gastroenteritis": "K52.9",
    "dehydration": "E86.0",
    "anemia": "D64.9",
    "hypothyroidism": "E03.9",
    "hyperlipidemia": "E78.5",
}


@dataclass(frozen=True, slots=True)
class DescriptionMatch:
    code: str
    description: str
    score: float  # 0..1


@cache
def _index() -> tuple[list[str], list[str]]:
    """Codes and their processed descriptions: every leaf code plus categories. Built once per process."""
    codes = [c for c in cm.get_all_codes(True) if _valid(c)]
    return codes, [utils.default_process(cm.get_description(c)) for c in codes]


def _clean(text: str) -> str:
    t = re.sub(r"\s+", " ", text).strip(" .,;:-")
    return re.sub(r"^(?:dx|diagnosis|diagnoses|assessment|icd-?10(?:-cm)?)\s*[:#-]?\s*", "", t, flags=re.I)


def match_description(text: str, *, cutoff: float = 0.85) -> DescriptionMatch | None:
    """The ICD-10-CM code whose official description best matches ``text``, or None below ``cutoff``.

    Exact titles (also OCR-damaged ones) score near 1. A short phrase that many titles contain ("pneumonia") maps to
    its alias in :data:`ALIASES` when there is one, else to the closest title, favouring "unspecified" titles.
    """
    query = _clean(text)
    q = utils.default_process(query)
    if len(q) < 3:
        return None
    alias = ALIASES.get(q)
    if alias and is_code(alias):
        return DescriptionMatch(alias, description(alias), 0.95)
    return _match(q, cutoff)


@lru_cache(maxsize=8192)
def _match(q: str, cutoff: float) -> DescriptionMatch | None:
    codes, descs = _index()
    postings = _postings()
    # candidates: titles sharing a word with the query (an OCR-damaged word simply shares nothing)
    pool: set[int] = set()
    for w in q.split():
        if len(w) > 3 and w not in _STOP:
            pool |= postings.get(w, set())
    best: DescriptionMatch | None = None
    if pool:
        order = sorted(pool)
        found = process.extractOne(q, [descs[i] for i in order], scorer=fuzz.ratio,
                                   score_cutoff=cutoff * 100 - 10, processor=None)
        if found is not None:
            i = order[found[2]]
            best = DescriptionMatch(codes[i], cm.get_description(codes[i]), found[1] / 100)
    if best is not None and best.score >= cutoff:
        return best
    # A phrase contained in titles: the closest title among those holding every word of it, favouring "unspecified".
    words = [w for w in q.split() if len(w) > 2 and w not in _STOP]
    if not words:
        return None
    hits = set.intersection(*(postings.get(w, set()) for w in words))
    if not hits:
        return best if best is not None and best.score >= cutoff else None

    def rank(i: int) -> tuple[float, int]:
        return (fuzz.ratio(q, descs[i]) + (15 if "unspecified" in descs[i] else 0), -len(descs[i]))

    i = max(sorted(hits), key=rank)
    if len(q) < 0.35 * len(descs[i]):
        return None  # a word or two of a long title: too little to name the condition
    s = min(0.9, fuzz.ratio(q, descs[i]) / 100 + 0.3)
    if s < cutoff - 0.15:
        return None
    return DescriptionMatch(codes[i], cm.get_description(codes[i]), s)


_STOP = {"the", "and", "with", "without", "for", "of", "unspecified", "other", "due", "codes", "code", "list", "primary",
         "secondary"}


@cache
def _postings() -> dict[str, set[int]]:
    out: dict[str, set[int]] = {}
    for i, d in enumerate(_index()[1]):
        for w in set(d.split()):
            out.setdefault(w, set()).add(i)
    return out


def warm() -> None:
    """Build the description index now (it takes about a second) rather than on the first lookup."""
    _postings()


__all__ = ["ALIASES", "CodeMatch", "DescriptionMatch", "description", "is_code", "match_description",
           "normalize_code", "warm"]
