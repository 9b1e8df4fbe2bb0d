"""The total as a learned choice: every amount on the page is a candidate, described by its neighbourhood.

``total_candidates(rows, ...)`` lists the candidates (every printed amount above zero, the summary amounts the label
rules read leniently, and the rules' own total where they repaired it to a value not printed); ``total_features``
describes each by what surrounds it: the words of its row and the row above (total, amount, due, grand, net,
payable, rounding, change, cash, tax, subtotal ...), the role the label rules give it, its position on the page,
its glyph height, its rank among the amounts, whether other amounts add up to it or are paid against it, how often
it is printed, the OCR confidence of its words, and whether the hand rules chose it. The model
(``extractors.chooser.model``) scores each candidate; the best one is the total.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
from rapidfuzz.distance import Levenshtein

from extractors.chooser.model import ChooserModel, best
from extractors.items import Item, line_items
from extractors.layout import (
    CURRENCY_WORD,
    Amount,
    LabelledAmount,
    Role,
    Row,
    amounts_in,
    labelled_amounts,
    role_of,
)
from extractors.total import TotalChoice, choose_total

#: Label word families looked for in the candidate's row (left of it) and in the row above. Each is one feature.
_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = tuple((name, re.compile(p, re.I)) for name, p in (
    ("total", r"t[o0]ta[l1i]|\btotal"),
    ("sub", r"\bsub\b|sub\s*-?\s*t[o0]tal"),
    ("grand", r"\bgrand\b"),
    ("net", r"\bnett?\b"),
    ("amount", r"\bam(?:oun)?t\b|\bamount"),
    ("due", r"\bdue\b|\bpayable\b|\bpay\b"),
    ("rounding", r"\bround|\badj"),
    ("change", r"\bchange\b|\bbaki\b|\bchg\b"),
    ("cash", r"\bcash\b|\btender|\bpaid\b|\bpayment|\breceived\b|\badvance\b|\bdeposit\b"),
    ("card", r"\bcard\b|\bvisa\b|\bmaster|\bdebit\b|\bcredit\b"),
    ("tax", r"\b(?:tax|gst|sst|vat)\b|service\s+ch"),
    ("discount", r"\bdisc|\bsav(?:e|ing)|\bless\b|\bconcession"),
    ("qty", r"\bqty\b|\bquantity\b|\bprice\b|\bunit\b|@|\bx\s*\d"),
    ("incl", r"\bincl|\binc\b|inclusive"),
    ("excl", r"\bexcl|\bexc\b|\bbefore\b"),
    ("balance", r"\bbal(?:ance)?\b"),
    ("currency", r"\b(?:rm|myr|usd|sgd|inr|rs)\b|[$€£₹]"),
))
_ROLES = (None, Role.total, Role.subtotal, Role.tax, Role.adjustment, Role.payment, Role.previous, Role.balance)
#: Rows scanned above a candidate for a total label.
_LOOK_ABOVE = 8
#: Sums and differences of pairs are looked for among this many last amounts of the document (its summary).
_PAIRS_OF_LAST = 60


@dataclass(frozen=True, slots=True)
class Candidate:
    """One amount that may be the total: its value, the words it was read from and their row."""

    value: Decimal
    amount: Amount
    #: Not printed as such: the hand rules' total repaired from the page's arithmetic (its evidence row is where
    #: the rules saw the total).
    synthesized: bool = False
    #: Read leniently from a summary row (``layout._garbled_amount``).
    lenient: bool = False
    #: Not printed: a total-labelled amount rounded to the cash step (receipts' keys often give the rounded total
    #: where the rounding row went unread).
    cash_rounded: bool = False


def total_candidates(rows: Sequence[Row], labelled: Sequence[LabelledAmount],
                     rules_total: LabelledAmount | None = None) -> list[Candidate]:
    """Every amount above zero printed on the page, in reading order, plus the lenient summary readings and the
    rules' repaired total that no printed amount carries."""
    out: list[Candidate] = []
    seen: set[tuple[int, ...]] = set()
    for row in rows:
        for a in amounts_in(row):
            if a.value.amount > 0:
                out.append(Candidate(a.value.amount, a))
                seen.add(tuple(t.index for t in a.tokens))
    for la in labelled:
        key = tuple(t.index for t in la.amount.tokens)
        if key not in seen and la.amount.value.amount > 0:
            out.append(Candidate(la.amount.value.amount, la.amount, lenient=True))
            seen.add(key)
    printed = {c.value for c in out}
    for c in list(out):
        r = _cash_rounded(c.value)
        if r not in printed and _WORDS[0][1].search(_label_of(c.amount) or ""):
            out.append(Candidate(r, c.amount, synthesized=True, cash_rounded=True))
            printed.add(r)
    if rules_total is not None and rules_total.amount.value.amount > 0:
        v = rules_total.amount.value.amount
        if not any(c.value == v for c in out):
            out.append(Candidate(v, rules_total.amount, synthesized=True))
    out.sort(key=lambda c: (c.amount.row.index, c.amount.tokens[0].index, c.synthesized))
    return out


def _cash_rounded(v: Decimal) -> Decimal:
    return ((v / _CASH_STEP).quantize(Decimal("1"), rounding=ROUND_HALF_UP) * _CASH_STEP).quantize(Decimal("0.01"))


def _one_slip(a: Decimal, b: Decimal) -> bool:
    """Whether one digit changed, added or dropped turns ``a`` into ``b`` (an OCR slip: 13.30 for 73.30)."""
    return a != b and Levenshtein.distance(str(a).replace(".", ""), str(b).replace(".", "")) <= 1


def _word_flags(text: str) -> list[float]:
    return [1.0 if p.search(text) else 0.0 for _, p in _WORDS]


FEATURES: tuple[str, ...] = (
    "log_value", "rank", "is_max", "is_second", "frac_of_max", "n_same", "n_candidates", "y_rel", "x_rel",
    "rows_below", "last_in_row", "n_in_row", "alone_in_row", "height_rel", "ocr_conf", "repaired", "lenient",
    "synthesized", "cash_step", "whole", "last_page", "label_words", "rows_from_total_label", "total_label_below",
    "larger_below", "equal_below", "equal_above", "sum_of_two_above", "paid_against_below", "items_sum",
    "items_sum_tax", "rules_value", "rules_pick", "rules_certainty", "role_strength",
    *(f"role_{r.value if r else 'none'}" for r in _ROLES),
    *(f"row_{n}" for n, _ in _WORDS), *(f"above_{n}" for n, _ in _WORDS), *(f"below_{n}" for n, _ in _WORDS),
    "one_slip_of_other", "rounded_of_above", "rounds_to_below", "cash_rounded",
)
#: Cash is paid in steps of this where the smallest coin is 5 cents (Malaysia, Singapore, Australia, ...).
_CASH_STEP = Decimal("0.05")


@dataclass(frozen=True, slots=True)
class _Page:
    top: float
    bottom: float
    left: float
    right: float
    height: float  # median glyph height
    rows: int


def _pages(rows: Sequence[Row]) -> dict[int, _Page]:
    out = {}
    for page in {r.page for r in rows}:
        toks = [t for r in rows if r.page == page for t in r.tokens]
        out[page] = _Page(min(t.bbox.y0 for t in toks), max(t.bbox.y1 for t in toks), min(t.bbox.x0 for t in toks),
                          max(t.bbox.x1 for t in toks), statistics.median(t.height for t in toks),
                          sum(1 for r in rows if r.page == page))
    return out


@dataclass(frozen=True, slots=True)
class _Seen:
    """The candidates' values on one side of a row: as printed, the cash roundings of those not on the cash step,
    and the largest."""

    values: frozenset[Decimal]
    rounded: frozenset[Decimal]
    max: Decimal


def _sweeps(cands: Sequence[Candidate]) -> tuple[dict[int, _Seen], dict[int, _Seen]]:
    """By row index: the candidates below it on its page, and those above it on any page (one pass each way)."""
    rows = sorted({(c.amount.row.index, c.amount.row.page) for c in cands})
    at: dict[int, list[Decimal]] = {}
    for c in cands:
        at.setdefault(c.amount.row.index, []).append(c.value)
    below: dict[int, _Seen] = {}
    vals: set[Decimal] = set()
    page = None
    for index, pg in reversed(rows):
        if pg != page:
            vals, page = set(), pg
        below[index] = _Seen(frozenset(vals), frozenset(), max(vals, default=Decimal(-1)))
        vals.update(at[index])
    above: dict[int, _Seen] = {}
    vals, rounded = set(), set()
    for index, _ in rows:
        above[index] = _Seen(frozenset(vals), frozenset(rounded), max(vals, default=Decimal(-1)))
        vals.update(at[index])
        rounded.update(r for v in at[index] if (r := _cash_rounded(v)) != v)
    return below, above


def _label_of(a: Amount) -> str:
    """The words of the amount's row left of it (currency signs dropped)."""
    first = a.tokens[0].index
    return " ".join(t.text for t in a.row.tokens if t.index < first and not CURRENCY_WORD.match(t.text))


def total_features(cands: Sequence[Candidate], rows: Sequence[Row], *, items_sum: Decimal | None = None,
                   tax: Decimal | None = None, rules_total: LabelledAmount | None = None,
                   rules_certainty: float = 0.0) -> np.ndarray:
    """One row of ``FEATURES`` per candidate (float32)."""
    if not cands:
        return np.zeros((0, len(FEATURES)), np.float32)
    pages = _pages(rows)
    last_page = max(pages)
    values = sorted({c.value for c in cands}, reverse=True)
    rank = {v: i for i, v in enumerate(values)}
    top = values[0]
    counts: dict[Decimal, int] = {}
    for c in cands:
        counts[c.value] = counts.get(c.value, 0) + 1
    row_of = [c.amount.row.index for c in cands]
    # pairs of other amounts: a sum of two printed above (subtotal + tax), a difference of two printed below
    # (cash − change): for each value, the latest row of the earliest pair / the earliest row of the latest pair
    sum_above: dict[Decimal, int] = {}
    diff_below: dict[Decimal, int] = {}
    n = len(cands)
    tail = range(max(0, n - _PAIRS_OF_LAST), n)  # the summary is at the end: pairs among the last amounts only
    for i in tail:
        for j in range(i + 1, n):
            a, b = cands[i], cands[j]
            hi, lo = max(row_of[i], row_of[j]), min(row_of[i], row_of[j])
            s = a.value + b.value
            sum_above[s] = min(sum_above.get(s, hi), hi)
            d = abs(a.value - b.value)
            diff_below[d] = max(diff_below.get(d, lo), lo)
    total_rows = [r.index for r in rows if _WORDS[0][1].search(r.text)]
    rules_tokens = tuple(t.index for t in rules_total.amount.tokens) if rules_total is not None else ()
    rules_value = rules_total.amount.value.amount if rules_total is not None else None
    by_index = {r.index: r for r in rows}
    after_row, before_row = _sweeps(cands)
    out = np.zeros((n, len(FEATURES)), np.float32)
    for i, c in enumerate(cands):
        a, row, v = c.amount, c.amount.row, c.value
        page = pages[row.page]
        label = _label_of(a)
        above = by_index.get(row.index - 1)
        above_text = above.text if above is not None and above.page == row.page else ""
        below = by_index.get(row.index + 1)
        below_text = below.text if below is not None and below.page == row.page else ""
        role = role_of(label) if re.search(r"[A-Za-z]{2}", label) else None
        if role is None and not re.search(r"[A-Za-z]{2}", label) and above_text and not amounts_in(above):
            role = role_of(above_text)
        in_row = amounts_in(row)
        yc = statistics.fmean(t.yc for t in a.tokens)
        span = max(1.0, page.bottom - page.top)
        width = max(1.0, page.right - page.left)
        prev_total = [r for r in total_rows if row.index - _LOOK_ABOVE <= r <= row.index and by_index[r].page == row.page]
        later, earlier = after_row[row.index], before_row[row.index]
        feats = [
            math.log10(1 + float(v)), rank[v], float(rank[v] == 0), float(rank[v] == 1), float(v / top),
            counts[v], n, (yc - page.top) / span, (a.x1 - page.left) / width,
            sum(1 for r in rows if r.page == row.page and r.index > row.index) / max(1, page.rows),
            float(bool(in_row) and in_row[-1].tokens == a.tokens), len(in_row),
            float(len(label.split()) == 0), statistics.fmean(t.height for t in a.tokens) / page.height,
            statistics.fmean(t.confidence for t in a.tokens), float(a.value.repaired), float(c.lenient),
            float(c.synthesized), float((v * 100) % 5 == 0), float(v == v.to_integral_value()),
            float(row.page == last_page), len(label.split()),
            (row.index - prev_total[-1]) if prev_total else _LOOK_ABOVE + 1,
            float(any(r > row.index and by_index[r].page == row.page for r in total_rows)),
            float(later.max > v), float(v in later.values), float(v in earlier.values),
            float(sum_above.get(v, 1 << 30) < row.index), float(diff_below.get(v, -1) > row.index),
            float(items_sum is not None and v == items_sum),
            float(items_sum is not None and tax is not None and tax > 0 and v == items_sum + tax),
            float(rules_value is not None and v == rules_value),
            float(tuple(t.index for t in a.tokens) == rules_tokens), rules_certainty,
            role[1] if role else 2,
            *(float((role[0] if role else None) == r) for r in _ROLES),
            *_word_flags(label), *_word_flags(above_text), *_word_flags(below_text),
            float(any(_one_slip(v, o) for o in values)),
            float(v in earlier.rounded),
            float(_cash_rounded(v) != v and _cash_rounded(v) in later.values), float(c.cash_rounded),
        ]
        out[i] = feats
    return out




# --- the page's money, as the hand rules read it ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Money:
    """What the layout rules read of a page's money: its line items, its labelled amounts, their tax, and the total
    the hand rules choose (``extractors.total``) — the chooser's inputs, and the fallback where no model is shipped."""

    items: tuple[Item, ...]
    items_sum: Decimal | None
    labelled: tuple[LabelledAmount, ...]
    tax: Decimal
    rules: TotalChoice


def money_of(rows: list[Row]) -> Money:
    items = line_items(rows)
    items_sum = sum((it.amount.value.amount for it in items), Decimal("0.00")) if items else None
    labelled = labelled_amounts(rows)
    tax = sum((la.amount.value.amount for la in labelled if la.role is Role.tax), Decimal("0.00"))
    return Money(tuple(items), items_sum, tuple(labelled), tax, choose_total(labelled, items_sum, rows))


@dataclass(frozen=True, slots=True)
class Choice:
    candidate: Candidate
    #: The model's probability that the candidate is the total.
    probability: float


def candidates_and_features(rows: list[Row], money: Money) -> tuple[list[Candidate], np.ndarray]:
    """The page's total candidates and their ``FEATURES``."""
    cands = total_candidates(rows, money.labelled, money.rules.total)
    x = total_features(cands, rows, items_sum=money.items_sum, tax=money.tax, rules_total=money.rules.total,
                       rules_certainty=money.rules.certainty)
    return cands, x


def choose(model: ChooserModel, cands: Sequence[Candidate], x: np.ndarray) -> Choice | None:
    """The candidate the model scores highest (the first printed of equals), None without candidates."""
    picked = best(model, x) if cands else None
    return Choice(cands[picked[0]], picked[1]) if picked is not None else None


@dataclass(frozen=True, slots=True)
class TotalDecision:
    """The total to report (``amount`` None: none found), how sure the deciding stage is, and what it warns of."""

    value: Decimal | None
    amount: Amount | None
    #: The hand rules' certainty, or 1.0 (0.85 for a repaired reading) beside a chooser's probability.
    certainty: float
    #: The chooser's probability for its pick; None when the hand rules decided.
    probability: float | None
    warnings: tuple[str, ...]


def decide_total(rows: list[Row], money: Money, model: ChooserModel | None) -> TotalDecision:
    """The chooser's pick when a model is given and the page has candidates, else the hand rules' total."""
    rules = money.rules
    picked = choose(model, *candidates_and_features(rows, money)) if model is not None else None
    if picked is None:
        if rules.total is None:
            return TotalDecision(None, None, 0.0, None, rules.warnings)
        amt = rules.total.amount
        return TotalDecision(amt.value.amount, amt, rules.certainty * (0.85 if amt.value.repaired else 1.0), None,
                             rules.warnings)
    c = picked.candidate
    rules_value = rules.total.amount.value.amount if rules.total is not None else None
    warnings = rules.warnings if rules_value == c.value else ()
    if rules_value is not None and rules_value != c.value:
        warnings = (f"total: the learned chooser takes {c.value} where the label rules read {rules_value}",)
    return TotalDecision(c.value, c.amount, 0.85 if c.amount.value.repaired or c.lenient else 1.0,
                         picked.probability, warnings)


__all__ = ["FEATURES", "Candidate", "Choice", "Money", "TotalDecision", "candidates_and_features", "choose",
           "decide_total", "money_of", "total_candidates", "total_features"]
