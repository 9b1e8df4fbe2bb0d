"""The billed total, chosen among a page's labelled amounts (``extractors.layout``).

By label first ("Total charges" beats a bare "Total"; balance due and payments never count), then by agreement with
the arithmetic of the page, then by position. The witnesses of a total, each computed from other printed amounts:

* arithmetic — the subtotal + tax (+ service charge) + adjustments (+ cash rounding); the columns of a tax summary
  row (net + tax); on a statement, the balance due + payments + adjustments. The line items (+ tax) confirm a
  reading but repair none: items read off a receipt are too often incomplete;
* payment — cash tendered − change (an amount tendered counts only together with the arithmetic);
* a repeat — the same amount printed again below the summary rows without a label.

A total printed after a cash-rounding row supersedes the one before it. A total OCR misread is replaced only when
two witnesses agree on another value, or one witness agrees on a value one OCR slip away from the reading; the
value then keeps the evidence box of the total row, with a lower confidence and a warning. Arithmetic alone never
invents a total; where no total could be read at all, the value the line items and the arithmetic agree on is
taken, less surely still.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from rapidfuzz.distance import Levenshtein

from extractors.layout import Amount, LabelledAmount, Role, Row, amounts_in, role_of
from extractors.normalize import MoneyValue

ZERO = Decimal("0.00")
#: Cash is paid in steps of this where the smallest coin is 5 cents (Malaysia, Singapore, Australia, ...).
CASH_STEP = Decimal("0.05")
#: A rounding adjustment is smaller than this; a larger "rounding" amount is a misread.
MAX_ROUNDING = Decimal("0.10")
#: Certainty of a total that the witnesses repaired (the printed reading disagreed with them).
REPAIRED_CERTAINTY = 0.7

_ROUNDING = re.compile(r"\bround", re.I)
_AFTER_ROUNDING = re.compile(r"\bafter\b|\brounded\b", re.I)
_SERVICE = re.compile(r"\bserv\w*\.?\s+ch", re.I)
_TAX_TOTAL = re.compile(r"\btotal\b", re.I)
_CHANGE = re.compile(r"\b(?:change|chan[gq]e|[cs]hange|baki)\b", re.I)
#: The header of the tax summary table printed under a receipt ("GST Summary  Amount  Tax", "Tax Code  Amt  Tax").
_TAX_SUMMARY_HEAD = re.compile(r"\b(?:gst|tax|vat|sst)\b\W*(?:summary|code|rate|analysis)\b", re.I)
_TAX_COLUMNS = re.compile(r"\b(?:amount|amt)\b.*\b(?:tax|gst|vat)\b", re.I)


@dataclass(frozen=True, slots=True)
class TotalChoice:
    total: LabelledAmount | None
    certainty: float
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Witnesses:
    #: Values the page's arithmetic gives, that a printed total agreeing with is confirmed by.
    checks: frozenset[Decimal]
    #: The arithmetic (not the line items), by value: each chain of printed amounts that adds up to it.
    arithmetic: dict[Decimal, tuple[tuple[Decimal, ...], ...]]
    #: Cash tendered − change, by value: the two amounts.
    change: dict[Decimal, tuple[Decimal, ...]]
    #: Amounts tendered (cash, card), by value.
    tendered: dict[Decimal, LabelledAmount]
    #: Unlabelled amounts printed below the summary rows, by value.
    repeats: dict[Decimal, Amount]


_CASH_ROUNDING = re.compile(r"\bround", re.I)


def choose_total(labelled: list[LabelledAmount], items_sum: Decimal | None,
                 rows: list[Row] | None = None) -> TotalChoice:
    """The billed total: by label strength, then arithmetic agreement, then position (the last one printed); then a
    total printed after cash rounding supersedes it. Where the readings disagree with every witness, a value two
    witnesses agree on is taken instead (see the module docstring). When no total label can be read (a garbled
    "TOTAL"), an amount printed below the subtotal that the arithmetic confirms is taken, less surely."""
    rows = rows or []
    summary = _tax_summary_rows(labelled, rows)
    body = [la for la in labelled if la.amount.row.index not in summary]
    w = _witnesses(labelled, body, summary, items_sum, rows)
    # a total of nothing over line items that cost something is an amount from another row (a photographed page's
    # rows drift apart: "TOTAL CHARGES" beside the "0.00" of the tax above it), not the bill's total
    totals = [la for la in body if la.role is Role.total and la.amount.value.amount >= 0
              and not (la.amount.value.amount == 0 and items_sum)]
    subtotals = [la for la in body if la.role is Role.subtotal]
    if not totals:
        confirmed = _confirmed_unlabelled(body, rows, set(w.checks - {ZERO}), summary)
        if confirmed is not None:
            return TotalChoice(confirmed, 0.8, ("total: its label could not be read; the amount the arithmetic "
                                                "confirms is taken",))
        repaired = _repair(body, [], w, rows) or _items_and_arithmetic(body, items_sum, w, rows)
        if repaired is not None:
            return repaired
        balances = [la for la in body if la.role is Role.balance and la.amount.value.amount > 0]
        due_at = balances[-1].amount.row.index if balances else -1
        # cash tendered after the amount due pays it ("Amount Due 75.55 / Cash 80.00 / Change 4.45") and a cash
        # rounding makes it ("Rounding Adj -0.01"): neither is a payment or adjustment the amount due is left after
        settled = any(la.role in (Role.payment, Role.adjustment, Role.previous)
                      and not (la.role is Role.payment and la.amount.row.index > due_at)
                      and not (la.role is Role.adjustment and _CASH_ROUNDING.search(la.label))
                      for la in body) or _settled_unread(rows)
        if balances and not settled:
            # nothing paid, adjusted or carried forward: the amount due is the whole bill ("Amt Due 129.30")
            return TotalChoice(balances[-1], 0.75, ("total: no total label; the amount due is taken as the total",))
        if subtotals and not any(la.role is Role.tax for la in body):
            return TotalChoice(subtotals[-1], 0.7, ("total: no total label; the subtotal is taken as the total",))
        return TotalChoice(None, 0.0, ("total: no labelled total found",))
    best_strength = min(la.strength for la in totals)
    agreeing = [la for la in totals if la.amount.value.amount in w.checks] + _credits_agreeing(body, w)
    if agreeing:
        strongest_agreeing = min(la.strength for la in agreeing)
        chosen = [la for la in agreeing if la.strength == strongest_agreeing][-1]
        return _after_rounding(TotalChoice(chosen, 1.0 if chosen.strength == best_strength else 0.9),
                               totals, body, rows, w)
    strongest = [la for la in totals if la.strength == best_strength]
    values = {la.amount.value.amount for la in strongest}
    chosen = strongest[-1]
    certainty = 0.95 if best_strength == 0 else 0.85
    warnings: tuple[str, ...] = ()
    if len(values) > 1:
        certainty -= 0.25
        warnings = (f"total: {len(values)} different amounts are labelled as the total; the last one is taken",)
    rounded = _after_rounding(TotalChoice(chosen, certainty, warnings), totals, body, rows, w)
    after = rounded.total.amount.value.amount if rounded.total is not None else None
    if after is not None and after != chosen.amount.value.amount and (after in w.checks or after in w.repeats):
        return rounded  # the rounded total is what the witnesses confirm: no misread to repair
    return _repair(body, totals, w, rows) or rounded


# --- the tax summary table ----------------------------------------------------------------------------------------


def _tax_summary_rows(labelled: list[LabelledAmount], rows: list[Row]) -> set[int]:
    """Rows of the tax summary table that receipts print under the payment ("GST Summary / Amount / Tax",
    "SR 6% 26.00 1.56", "TOTAL: 26.00 1.56"). Its "Total" is the net amount and the tax, not the bill's total, and
    its tax repeats the tax above. The table starts at its header (after the bill's summary has begun) and runs to
    the end of the page; below a payment, any row with two or more amounts is taken as part of it."""
    if not labelled or not rows:
        return set()
    started = min(la.amount.row.index for la in labelled)
    payments = [la.amount.row.index for la in labelled if la.role is Role.payment]
    first_payment = min(payments) if payments else None
    out: set[int] = set()
    head_page = None
    for row in rows:
        if head_page is not None and row.page == head_page:
            out.add(row.index)
            continue
        after_payment = first_payment is not None and row.index > first_payment
        if row.index > started and not amounts_in(row) and (
                _TAX_SUMMARY_HEAD.search(row.text) or (after_payment and _TAX_COLUMNS.search(row.text))):
            head_page = row.page
            continue
        if after_payment and len(amounts_in(row)) >= 2:
            out.add(row.index)
    return out


# --- witnesses ----------------------------------------------------------------------------------------------------


def _witnesses(labelled: list[LabelledAmount], body: list[LabelledAmount], summary: set[int],
               items_sum: Decimal | None, rows: list[Row]) -> _Witnesses:
    def value(la: LabelledAmount) -> Decimal:
        return la.amount.value.amount

    arithmetic: dict[Decimal, tuple[tuple[Decimal, ...], ...]] = {}  # value → the chains of printed amounts

    def chain(*terms: Decimal) -> None:
        v = sum(terms, ZERO)
        if terms not in arithmetic.get(v, ()):
            arithmetic[v] = (*arithmetic.get(v, ()), terms)

    taxes = _taxes(body)
    tax = sum(taxes, ZERO)
    adjustments = [la for la in body if la.role is Role.adjustment]
    rounding = [value(la) for la in adjustments if _ROUNDING.search(la.label) and abs(value(la)) < MAX_ROUNDING]
    others = [value(la) for la in adjustments if not _ROUNDING.search(la.label)]
    all_adjust = [value(la) for la in adjustments]
    subtotals = [la for la in body if la.role is Role.subtotal]
    if subtotals and taxes:  # a tax line read as 0.00 is a term too: "Sub-total 415.67 / Sales Tax 0.00"
        sub = value(subtotals[-1])
        chain(sub, *taxes)
        chain(sub, *taxes, *all_adjust)
        chain(sub, *taxes, *others, *rounding)
        chain(sub, *taxes, *others)
    for la in labelled:  # the tax summary's "Total: net tax" adds up to the bill before rounding
        amounts = amounts_in(la.amount.row)
        if la.amount.row.index in summary and la.role is Role.total and len(amounts) >= 2:
            chain(amounts[-2].value.amount, amounts[-1].value.amount)
    if any(_ROUNDING.search(r.text) for r in rows):
        # the rounding row is printed but its amount may be unreadable: the cash step stands in for it
        for v, chains in list(arithmetic.items()):
            arithmetic.setdefault(_to_cash_step(v), chains)
    repeats: dict[Decimal, Amount] = {}
    checks = set(arithmetic)
    tendered = [la for la in body if la.role is Role.payment and not _CHANGE.search(la.label)]
    change: dict[Decimal, tuple[Decimal, ...]] = {}
    for c in (la for la in body if la.role is Role.payment and _CHANGE.search(la.label)):
        above = [la for la in tendered if la.amount.row.index < c.amount.row.index]
        if above:  # what was handed over right before the change; never negative ("Cash -50.00" is a stray mark)
            change.setdefault(abs(value(above[-1])) - abs(value(c)), (abs(value(above[-1])), -abs(value(c))))
    checks |= set(change)
    if items_sum is not None:  # line items read off a receipt are too often incomplete to repair with
        checks |= {items_sum, items_sum + tax}
    balances = [la for la in body if la.role is Role.balance]
    settled = [la for la in body if la.role in (Role.payment, Role.adjustment) and not _CHANGE.search(la.label)]
    if balances and settled and not change and not any(la.role is Role.previous for la in body):
        # a statement: what was billed = what is still due + what was paid + what was adjusted off
        chain(value(balances[-1]), *(abs(value(la)) for la in settled))
    for taxed in subtotals:  # "Gross Amount 40.00 / GST 2.40 / Sub Total 42.40": a subtotal printed with the tax in
        for pre in subtotals:
            if tax and pre.amount.row.index < taxed.amount.row.index and value(pre) + tax == value(taxed):
                chain(value(pre), *taxes)
                repeats.setdefault(value(taxed), taxed.amount)
    known = {la.amount.row.index for la in labelled}
    first = min((la.amount.row.index for la in body if la.role in (Role.subtotal, Role.tax, Role.total)), default=None)
    if first is not None:
        for row in rows[first + 1 :]:
            if row.index not in known and row.index not in summary and row.page == rows[first].page:
                for a in amounts_in(row)[-1:]:
                    repeats.setdefault(a.value.amount, a)
    return _Witnesses(frozenset(checks), arithmetic, change, {abs(value(la)): la for la in tendered},
                      repeats)


def _taxes(body: list[LabelledAmount]) -> list[Decimal]:
    """The tax terms of the bill: each service charge, and the tax lines, or only their total where one is printed
    ("GST 6% 0.40 ... Tax Total 0.40" is one tax, not two)."""
    taxes = [la for la in body if la.role is Role.tax]
    service = [la.amount.value.amount for la in taxes if _SERVICE.search(la.label)]
    lines = [la for la in taxes if not _SERVICE.search(la.label)]
    totalled = [la for la in lines if _TAX_TOTAL.search(la.label)]
    return service + [la.amount.value.amount for la in (totalled[-1:] if totalled else lines)]


def _to_cash_step(v: Decimal) -> Decimal:
    return ((v / CASH_STEP).quantize(Decimal("1"), rounding=ROUND_HALF_UP) * CASH_STEP).quantize(ZERO)


def _credits_agreeing(body: list[LabelledAmount], w: _Witnesses) -> list[LabelledAmount]:
    """A total OCR read in parentheses ("( 47.70)") reads as a credit; a total is never one, so its amount counts
    when a witness confirms it."""
    out = []
    for la in body:
        v = la.amount.value
        if la.role is Role.total and v.amount < 0 and -v.amount in w.checks:
            out.append(LabelledAmount(la.role, la.strength, Amount(MoneyValue(-v.amount, v.currency, True),
                                                                   la.amount.tokens, la.amount.row), la.label))
    return out


# --- rounding -----------------------------------------------------------------------------------------------------


def _after_rounding(choice: TotalChoice, totals: list[LabelledAmount], body: list[LabelledAmount], rows: list[Row],
                    w: _Witnesses) -> TotalChoice:
    """The amount paid after cash rounding. A total printed below the chosen one supersedes it when its label says
    so ("Total After Adj", "Rounded Total") or a rounding row lies between them, and it differs by less than the
    rounding. Without a later total, a rounding adjustment printed below the total is applied: the result is taken
    where it is printed again or paid, or where it lands on the cash step and the total did not."""
    chosen = choice.total
    if chosen is None:
        return choice
    c = chosen.amount.value.amount
    row_at = chosen.amount.row.index
    for t in reversed(totals):
        r = t.amount.row.index
        diff = abs(t.amount.value.amount - c)
        if r <= row_at or t.amount.row.page != chosen.amount.row.page or not ZERO < diff < MAX_ROUNDING:
            continue
        between = any(_ROUNDING.search(row.text) for row in rows if row_at < row.index < r)
        if _AFTER_ROUNDING.search(t.label) or (between and diff < CASH_STEP):
            return TotalChoice(t, choice.certainty, choice.warnings)
    adjustments = [la for la in body if la.role is Role.adjustment and _ROUNDING.search(la.label)
                   and la.amount.row.index > row_at and la.amount.row.page == chosen.amount.row.page
                   and ZERO < abs(la.amount.value.amount) < MAX_ROUNDING]
    if not adjustments:
        return choice
    adj = adjustments[0]
    paid_rows = {la.amount.row.index for la in body if la.role is Role.payment}
    for v in (c + adj.amount.value.amount, c - adj.amount.value.amount):  # OCR drops the sign of small amounts
        for row in rows[adj.amount.row.index + 1 :]:
            if row.index in paid_rows or row.page != adj.amount.row.page:
                continue
            printed = [a for a in amounts_in(row) if a.value.amount == v]
            if printed:
                return TotalChoice(LabelledAmount(Role.total, chosen.strength, printed[-1], chosen.label),
                                   choice.certainty, choice.warnings)
        if v in w.change:
            return _replaced(chosen, v, choice.certainty * 0.9, choice.warnings)
    v = c + adj.amount.value.amount
    if v % CASH_STEP == 0 and c % CASH_STEP != 0:
        return _replaced(chosen, v, choice.certainty * 0.85, (*choice.warnings, f"total: the rounding adjustment "
                                                              f"printed below the total is applied ({c} → {v})"))
    return choice


def _replaced(la: LabelledAmount, value: Decimal, certainty: float, warnings: tuple[str, ...]) -> TotalChoice:
    """``value`` in place of what was read at ``la``: same evidence box, flagged as repaired."""
    v = la.amount.value
    amount = Amount(MoneyValue(value, v.currency, True), la.amount.tokens, la.amount.row)
    return TotalChoice(LabelledAmount(Role.total, la.strength, amount, la.label), certainty, warnings)


# --- repairing a misread total ------------------------------------------------------------------------------------


def _repair(body: list[LabelledAmount], totals: list[LabelledAmount], w: _Witnesses,
            rows: list[Row]) -> TotalChoice | None:
    """A value the witnesses agree on, in place of total readings that agree with none of them (or none at all).

    Taken when two independent witnesses give it (arithmetic and a payment or a repeat; a payment and a repeat), or
    one of arithmetic / tendered − change gives it and a total reading is one OCR slip from it (:func:`_close`; with
    no total reading, an amount tendered). Only one such value may exist; none when the arithmetic is incomplete."""
    unread = _incomplete(body, rows)
    candidates: dict[Decimal, set[str]] = {}
    for kind, values in (("arithmetic", set() if unread else w.arithmetic), ("change", w.change),
                         ("repeat", set(w.repeats))):
        for v in values:
            if v > 0:
                candidates.setdefault(v, set()).add(kind)
    pool = totals or list(w.tendered.values())
    found: dict[Decimal, tuple[int, LabelledAmount | Amount | None]] = {}
    for v, kinds in candidates.items():
        if v in w.tendered and "arithmetic" in kinds:
            kinds = kinds | {"tendered"}
        if not unread and _independent(w.arithmetic.get(v, ())):
            kinds = kinds | {"second arithmetic"}  # "Sub-total + tax" and "balance + payments" share no amount
        close = [la for la in pool if _close(la.amount.value.amount, v)]
        where: LabelledAmount | Amount | None = close[-1] if close else (totals[-1] if totals else None)
        if where is None:
            where = w.repeats.get(v) or w.tendered.get(v)
        if len(kinds) >= 2:
            found[v] = (2, where)  # two independent witnesses
        elif close and kinds & {"arithmetic", "change"}:
            chains = w.arithmetic.get(v) or ((w.change[v],) if v in w.change else ((),))
            read = close[-1].amount.value.amount
            if not all(any(_one_slip(t + read - v, t) for t in terms) for terms in chains):
                found[v] = (1, where)  # one witness and a reading one slip away that no misread term explains
    best = max((tier for tier, _ in found.values()), default=0)
    found = {v: f for v, f in found.items() if f[0] == best}
    if len(found) != 1:
        return None
    v, (_, where) = found.popitem()
    if where is None and not unread and _independent(w.arithmetic.get(v, ())):
        where = _last_term(body, w.arithmetic[v])  # no total row read: evidenced by the last term the sums use
    if where is None:
        return None
    la = where if isinstance(where, LabelledAmount) else LabelledAmount(Role.total, 1, where, "")
    if totals:
        read = ", ".join(str(t.amount.value.amount) for t in totals)
        warning = (f"total: the printed total (read: {read}) disagrees with the arithmetic and payments of the page; "
                   f"{v}, which they agree on, is taken")
    else:
        warning = (f"total: no total could be read; {v}, which the arithmetic and payments of the page agree on, "
                   "is taken")
    return _replaced(la, v, REPAIRED_CERTAINTY, (warning,))


def _items_and_arithmetic(body: list[LabelledAmount], items_sum: Decimal | None, w: _Witnesses,
                          rows: list[Row]) -> TotalChoice | None:
    """With no total read at all (its row garbled by a fold or a stain), the value the line items (+ tax) and the
    page's arithmetic (subtotal + tax, balance due + payments) both give: two sums of different printed amounts that
    agree. Incomplete items give a smaller sum, never another chain's value. The evidence is the last printed term
    of the arithmetic (the balance due, the subtotal)."""
    if items_sum is None or _incomplete(body, rows):
        return None
    tax = sum(_taxes(body), ZERO)
    agreed = {v for v in (items_sum, items_sum + tax) if v > 0 and v in w.arithmetic}
    if len(agreed) != 1:
        return None
    v = agreed.pop()
    last = _last_term(body, w.arithmetic[v])
    if last is None:
        return None
    return _replaced(LabelledAmount(Role.total, 1, last.amount, ""), v, REPAIRED_CERTAINTY * 0.9, (
        f"total: no total could be read; {v}, which the line items and the arithmetic of the page agree on, is taken",))


def _last_term(body: list[LabelledAmount], chains: tuple[tuple[Decimal, ...], ...]) -> LabelledAmount | None:
    """The last printed amount that one of ``chains`` adds up (the balance due, the subtotal): where a total no row
    of which could be read is evidenced."""
    terms = {abs(t) for chain in chains for t in chain}
    where = [la for la in body if abs(la.amount.value.amount) in terms]
    return max(where, key=lambda la: la.amount.row.index) if where else None


def _independent(chains: tuple[tuple[Decimal, ...], ...]) -> bool:
    """Two chains of the arithmetic that add up to the same value from different printed amounts."""
    return any(not set(a) & set(b) for i, a in enumerate(chains) for b in chains[i + 1 :])


def _close(read: Decimal, value: Decimal) -> bool:
    """Whether ``read`` is one OCR slip from ``value``: one digit changed, added or dropped ("112.46" for 112.45,
    "48.00" for 18.00), or the leading digits lost ("3.35" for 153.35, three digits at least)."""
    a, b = _digits(read), _digits(value)
    if read <= 0 or a == b:
        return False
    return Levenshtein.distance(a, b) <= 1 or (len(a) >= 3 and b.endswith(a) and read >= 1)


def _one_slip(a: Decimal, b: Decimal) -> bool:
    """Whether one digit of ``b`` changed, added or dropped reads ``a``. Where the reading of a total and the
    arithmetic differ by what one slip in one term of the sum would explain, that term may be the misread one, and
    the two cannot be told apart: the reading is then kept."""
    return a != b and (a < 0) == (b < 0) and Levenshtein.distance(_digits(a), _digits(b)) <= 1


def _digits(v: Decimal) -> str:
    return str(abs(v)).replace(".", "")


def _incomplete(body: list[LabelledAmount], rows: list[Row]) -> bool:
    """Whether a tax, adjustment or payment row between the subtotal and the total printed no readable amount: then
    the arithmetic misses a term and witnesses nothing. Rounding rows do not count (the cash step stands in for
    their amount)."""
    starts = [la.amount.row.index for la in body if la.role is Role.subtotal]
    ends = [la.amount.row.index for la in body if la.role in (Role.total, Role.payment, Role.balance)]
    if not starts:
        return False
    start = starts[-1]
    end = max(ends, default=start)
    for row in rows:
        if start < row.index < end and not amounts_in(row) and not _ROUNDING.search(row.text):
            role = role_of(row.text)
            if role is not None and role[0] in (Role.tax, Role.adjustment):
                return True
    return False


def _settled_unread(rows: list[Row]) -> bool:
    """Whether a payment, adjustment or carried-forward row is printed whose amount could not be read: then the
    amount due is not the whole bill either."""
    settling = (Role.payment, Role.adjustment, Role.previous)
    return any(not amounts_in(r) and (role := role_of(r.text)) is not None and role[0] in settling for r in rows)


def _confirmed_unlabelled(labelled: list[LabelledAmount], rows: list[Row], checks: set[Decimal],
                          skip: set[int]) -> LabelledAmount | None:
    """An amount without a readable label, printed after the first summary row (subtotal, tax) and outside the tax
    summary table (``skip``), that equals exactly one arithmetic check value."""
    summary = [la.amount.row.index for la in labelled if la.role in (Role.subtotal, Role.tax)]
    if not summary or not checks:
        return None
    known = {la.amount.row.index for la in labelled} | skip
    found = [
        a for row in rows[min(summary) + 1 :] if row.index not in known and row.page == rows[min(summary)].page
        for a in amounts_in(row)[-1:] if a.value.amount in checks
    ]
    if len({a.value.amount for a in found}) != 1:
        return None
    return LabelledAmount(Role.total, 1, found[0], "")


__all__ = ["TotalChoice", "choose_total"]
