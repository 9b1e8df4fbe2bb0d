"""The first date of service as a learned choice: every date printed on the page is a candidate.

``date_candidates(...)`` lists them (each date the normalizers read, ``extractors.fields.dates_in``, resolved with the
document's day order; where the order of an all-numeric date is ambiguous, its other reading too; and the hand rules'
pick), ``date_features`` describes each by its neighbourhood: the label words left of it and in the row above (date,
tarikh, invoice / bill / receipt, service / visit / admission, issued / printed, due / expiry, birth, statement ...),
the role the label rules give it, a time of day beside it, its position and glyph height, its order among the dates,
how often it is printed, whether its year is plausible and it is the latest / earliest date, and whether the hand
rules chose it. The model (``extractors.chooser.model``, field ``service_date``) scores each; the best one is
``service_dates[0]``.
"""

from __future__ import annotations

import datetime as dt
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from extractors import fields as F
from extractors.chooser.model import ChooserModel, best
from extractors.fields import DateRole, DatedToken
from extractors.layout import Row
from extractors.normalize import find_dates, infer_day_first

#: Label words looked for left of the date in its row, and in the row above. Each family is one feature per place.
_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = tuple((name, re.compile(p, re.I)) for name, p in (
    ("date", r"\bdate|\bdt\b|\btgl\b|tarikh|\bdated\b"),
    ("invoice", r"\binv|\bbill\b|\breceipt|\brcpt|\bdoc(?:ument)?\b|\bcash\s*sale|\bslip\b|\border\b|\btrans"),
    ("service", r"\bservice|\bdos\b|\bdoa\b|\bdod\b|\bvisit|\badmi(?:t|ssion)|\bdischarge|\btreatment|\bexam|\bfill|\bcollect"),
    ("issued", r"\bissued?\b|\bprint|\bgenerated\b|\bcreated\b"),
    ("due", r"\bdue\b|\bexp(?:iry|ires?)?\b|\bvalid|\buntil\b|\bpay\s*by\b"),
    ("birth", r"\bdob\b|d\.o\.b|\bbirth|\bborn\b"),
    ("statement", r"\bstatement\b|\bperiod\b|\bfrom\b|\bto\b"),
    ("time", r"\btime\b|\d{1,2}:\d{2}|\b[ap]\.?m\b"),
    ("register", r"\bgst\b|\breg\b|\bco\.?\s*no|\bsst\b|\btel\b|\bfax\b|\bid\b"),
    ("cashier", r"\bcashier\b|\bcounter\b|\bterminal\b|\bpos\b|\btable\b|\bstaff\b"),
))
_ROLES = tuple(DateRole)
_TIME = re.compile(r"\b\d{1,2}:\d{2}(?::\d{2})?\b|\b\d{1,2}\s*[ap]\.?m\b", re.I)
#: A year a date of service may plausibly carry.
_YEARS = range(1995, 2036)


@dataclass(frozen=True, slots=True)
class DateCandidate:
    """One date that may be the first date of service: its value and the printed date it was read from."""

    value: dt.date
    dated: DatedToken
    #: The other day/month order of an ambiguous all-numeric date.
    swapped: bool = False
    #: Read leniently: its digits split by OCR ("23/04/ 201 7"), which the normalizers do not read as a date.
    lenient: bool = False


#: A numeric date whose digits OCR split with spaces ("23/04/ 201 7", "20 /03/2018"): an OCR confusion class
#: (word gaps read inside a number) that ``find_dates`` does not read.
_SPLIT_DATE = re.compile(r"(?<![\d/.-])\d\s?\d?\s*([/.-])\s*\d\s?\d?\s*\1\s*\d\s?\d(?:\s?\d\s?\d)?(?![\d/.-])")


def split_dates(rows: Sequence[Row], dated: Sequence[DatedToken]) -> list[DatedToken]:
    """Dates whose digits OCR split with spaces, read with the spaces dropped (flagged repaired), where no date the
    normalizers read overlaps them; their role from the words left of them."""
    taken = {(d.row.index, t) for d in dated for t in range(d.raw.start, d.raw.end)}
    out = []
    for row in rows:
        for m in _SPLIT_DATE.finditer(row.text):
            if " " not in m.group() or any((row.index, t) in taken for t in range(m.start(), m.end())):
                continue
            compact = re.sub(r"\s+", "", m.group())
            raws = [r for r in find_dates(compact) if r.start == 0 and r.end == len(compact)]
            if raws:
                raw = replace(raws[0], start=m.start(), end=m.end(), repaired=True)
                role = F.date_role(row.text[: m.start()]) or DateRole.unlabelled
                out.append(DatedToken(raw, tuple(row.span_tokens(m.start(), m.end())), row, role, False))
    return out


def date_candidates(dated: Sequence[DatedToken], *, day_first: bool,
                    rules_pick: tuple[dt.date, DatedToken] | None = None,
                    lenient: Sequence[DatedToken] = ()) -> list[DateCandidate]:
    """Every printed date that resolves, in reading order (the other order of an ambiguous numeric date after it),
    the ``lenient`` readings (``split_dates``), and the rules' pick where no printed reading carries its value."""
    out: list[DateCandidate] = []
    for d in lenient:
        v = d.raw.resolve(day_first=day_first)
        if v is not None:
            out.append(DateCandidate(v, d, lenient=True))
    for d in dated:
        v = d.raw.resolve(day_first=day_first)
        if v is None:
            continue
        out.append(DateCandidate(v, d))
        if d.raw.ambiguous:
            w = d.raw.resolve(day_first=not day_first)
            if w is not None and w != v:
                out.append(DateCandidate(w, d, swapped=True))
    if rules_pick is not None and not any(c.value == rules_pick[0] for c in out):
        out.append(DateCandidate(rules_pick[0], rules_pick[1]))
    return out


FEATURES: tuple[str, ...] = (
    "lenient", "years_after_earliest", "latest_by_far", "order", "is_first", "is_last_printed", "n_candidates",
    "n_distinct", "n_same", "only_value", "y_rel", "x_rel",
    "height_rel", "ocr_conf", "numeric", "repaired", "swapped", "ambiguous", "year_plausible", "is_latest",
    "is_earliest", "days_before_latest", "in_item_row", "first_page", "time_in_row", "time_beside",
    "n_in_row", "label_words", "rules_pick", "rules_value", "rules_any",
    *(f"role_{r.value}" for r in _ROLES),
    *(f"row_{n}" for n, _ in _WORDS), *(f"above_{n}" for n, _ in _WORDS),
)


def _flags(text: str) -> list[float]:
    return [1.0 if p.search(text) else 0.0 for _, p in _WORDS]


def date_features(cands: Sequence[DateCandidate], rows: Sequence[Row], *,
                  rules_pick: tuple[dt.date, DatedToken] | None = None) -> np.ndarray:
    """One row of ``FEATURES`` per candidate (float32)."""
    if not cands:
        return np.zeros((0, len(FEATURES)), np.float32)
    toks = [t for r in rows for t in r.tokens]
    top, bottom = min(t.bbox.y0 for t in toks), max(t.bbox.y1 for t in toks)
    left, right = min(t.bbox.x0 for t in toks), max(t.bbox.x1 for t in toks)
    median_h = statistics.median(t.height for t in toks) or 1.0
    first_page = min(r.page for r in rows)
    by_index = {r.index: r for r in rows}
    printed = [c for c in cands if not c.swapped and not c.lenient]
    values = [c.value for c in printed]
    distinct = set(values)
    plausible = [v for v in values if v.year in _YEARS]
    latest, earliest = max(plausible, default=None), min(plausible, default=None)
    rules_value = rules_pick[0] if rules_pick is not None else None
    rules_raw = id(rules_pick[1]) if rules_pick is not None else None
    out = np.zeros((len(cands), len(FEATURES)), np.float32)
    order = {id(c.dated): k for k, c in enumerate(printed)}
    for i, c in enumerate(cands):
        d, v, row = c.dated, c.value, c.dated.row
        tk = d.tokens or row.tokens
        label = row.text[: d.raw.start]
        after = row.text[d.raw.end:]
        above = by_index.get(row.index - 1)
        above_text = above.text if above is not None and above.page == row.page else ""
        k = order.get(id(d), len(printed))
        feats = [
            float(c.lenient), min(10.0, (v - earliest).days / 365) if earliest is not None and v >= earliest else -1.0,
            float(v == latest and (v - max((u for u in plausible if u != v), default=v)).days > 366),
            k, float(k == 0), float(k == len(printed) - 1), len(cands), len(distinct), values.count(v),
            float(len(distinct) == 1),
            (statistics.fmean(t.yc for t in tk) - top) / max(1.0, bottom - top),
            (tk[0].bbox.x0 - left) / max(1.0, right - left),
            statistics.fmean(t.height for t in tk) / median_h, statistics.fmean(t.confidence for t in tk),
            float(d.raw.numeric), float(d.raw.repaired), float(c.swapped), float(d.raw.ambiguous),
            float(v.year in _YEARS), float(v == latest), float(v == earliest),
            min(3650, (latest - v).days) / 365 if latest is not None and v <= latest else -1.0,
            float(d.in_item_row), float(row.page == first_page),
            float(bool(_TIME.search(row.text))), float(bool(_TIME.match(after.strip()))),
            sum(1 for o in printed if o.dated.row is row), len(label.split()),
            float(id(d) == rules_raw and v == rules_value), float(v == rules_value), float(rules_pick is not None),
            *(float(d.role is r) for r in _ROLES),
            *_flags(label), *_flags(above_text),
        ]
        out[i] = feats
    return out


@dataclass(frozen=True, slots=True)
class DateChoice:
    candidate: DateCandidate
    #: The model's probability that the candidate is the first date of service.
    probability: float


def choose_date(model: ChooserModel, cands: Sequence[DateCandidate], x: np.ndarray) -> DateChoice | None:
    """The candidate the model scores highest (the first printed of equals), None without candidates."""
    picked = best(model, x) if cands else None
    return DateChoice(cands[picked[0]], picked[1]) if picked is not None else None


@dataclass(frozen=True, slots=True)
class PageDates:
    """The page's dates as the hand rules read them: each printed date with its role, the day order, an unreadable
    date of service (its row and words), and the rules' dates of service with their certainty."""

    dated: list[DatedToken]
    #: Dates read only leniently (``split_dates``): candidates for the chooser, never for the rules.
    lenient: list[DatedToken]
    day_first: bool
    unread: tuple[Row, str] | None
    unread_by_hand: bool
    services: list[tuple[dt.date, DatedToken]]
    certainty: float

    @property
    def rules_pick(self) -> tuple[dt.date, DatedToken] | None:
        return self.services[0] if self.services else None


def page_dates(rows: Sequence[Row], item_rows: set[int], *, currency: str | None, text: str,
               hand_pages: Sequence[int] = ()) -> PageDates:
    """The hand rules' reading of the page's dates (``extractors.fields``); ``hand_pages``: pages written by hand."""
    raws = [r for row in rows for r in find_dates(row.text)]
    day_first = infer_day_first(raws, currency=currency, locale_text=text)
    dated = F.dates_in(rows, item_rows)
    unread = F.unread_service_date(rows)
    by_hand = unread is not None and unread[0].page in hand_pages
    services, cert = F.service_dates(dated, day_first=day_first, unread=unread[1] if unread else None,
                                     unread_by_hand=by_hand)
    return PageDates(dated, split_dates(rows, dated), day_first, unread, by_hand, services, cert)


def page_candidates(pd: PageDates, rows: Sequence[Row]) -> tuple[list[DateCandidate], np.ndarray]:
    """The page's date candidates and their ``FEATURES``."""
    cands = date_candidates(pd.dated, day_first=pd.day_first, rules_pick=pd.rules_pick, lenient=pd.lenient)
    return cands, date_features(cands, rows, rules_pick=pd.rules_pick)


def decide_service_date(pd: PageDates, rows: Sequence[Row], model: ChooserModel) -> DateChoice | None:
    """The model's first date of service among the page's dates (None: no date on the page)."""
    return choose_date(model, *page_candidates(pd, rows))


__all__ = ["FEATURES", "DateCandidate", "DateChoice", "PageDates", "choose_date", "date_candidates", "date_features",
           "decide_service_date", "page_candidates", "page_dates", "split_dates"]
