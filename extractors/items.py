"""Line items rebuilt from rows of word boxes: table rows under a header, code rows, and pharmacy-style blocks.

Pure: rows (from ``extractors.layout.build_rows``) in, items out. The summary block (totals, tax, payments) ends a
table; what the amounts there mean is ``extractors.layout``'s business.

What a scan does to a table, and what is done about it here:

- an amount broken by OCR (``130 00``, ``7,578. 12)``, ``1, 577. 97``, ``58:38``, ``12.00.``, ``344/00`` after a
  rate) is read back, marked repaired, when it ends an item row; ``,255.89`` (leading digits lost) is not trusted;
- an amount that skew or a faint rule pushed onto a row of its own (with or without its date) joins the item row
  beside it;
- a header that lost its money column (``Date Code Service``) still opens the table, a two-line header is one
  header, and a tax summary table (``Tax Code  %  Amt``) is not items; rows with a procedure code are items wherever
  they are, even before the first header or on a page whose header was not read;
- a row in the amount column of a run of items is an item even when OCR lost its code (or, for a dated statement
  line, its description); a page subtotal does not end a table that goes on over the page;
- a procedure code may stand left of the description or in a column right of it (lab bills), with ``O`` read for
  ``0`` (``JO696`` → ``J0696``), but a ZIP code after a state (``Marion, IN 46926``) is not a code;
- pharmacy receipts print each item as a block (``Rx#``, drug, ``NDC``, ``QTY 30  12.00``), over-the-counter items
  as a description row and a ``QTY`` row, some chains on one row (``RX n  DRUG  QTY: 30  $4.00``); retail receipts
  print the article's name above its quantity-and-price row.

Descriptions leave out dates, codes, tooth surfaces and scraps of table rules; the quantity is the printed one (a
``QTY`` label, the units column), or follows from rate × units = charge when OCR dropped the units.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import wraps
from typing import TypeVar

from extractors.layout import CURRENCY_WORD, Amount, Role, Row, Token, amounts_in, role_of
from extractors.normalize import find_dates, parse_money

# --- line items -------------------------------------------------------------------------------------------------

_HEADER_WORDS = re.compile(
    r"^(?:description|descr|service|services|procedure|code|cpt|hcpcs|cdt|ndc|rx|item|items|qty|quantity|units?|"
    r"amount|amt|charges?|price|rate|fee|fees|total|date|dos|unit|drug|medication|test|rev|"
    r"particulars|product|medicine|batch|expiry|exp|mrp|pack|hsn|value)\b", re.I)  # (an Indian memo's columns)
_HEADER_MONEY = re.compile(r"^(?:amount|amt|charges?|price|fee|fees|total|billed|value)\b", re.I)
_QTY_HEADER = re.compile(r"^(?:qty|quantity|units?|days|count|#)$", re.I)
_UNIT_HEADER = re.compile(r"^(?:unit|rate|price|each|ea)\b", re.I)
_PROC_CODE = re.compile(r"^(?:\d{4}[0-9A-Z]|[A-Z]\d{4}|0\d{3}|\d{4,5}-\d{3,4}-\d{1,2})[,;:]?$")
#: A code as OCR may print it: ``O``/``o`` for a zero (``JO696``, ``DO150``, ``O250``).
_CODE_OCR = re.compile(r"^(?:[A-Z][0-9Oo]{4}|[0-9Oo]{4}[0-9A-Z]|[0Oo][0-9Oo]{3})$")
_QTY = re.compile(r"^[xX]?(\d{1,3})(?:\.0+)?[xX]?$")
_STATE = re.compile(
    r"^(?:A[KLRZ]|C[AOT]|D[CE]|FL|GA|HI|I[ADLN]|K[SY]|LA|M[ADEINOST]|N[CDEHJMVY]|O[HKR]|PA|RI|S[CD]|T[NX]|UT|"
    r"V[AT]|W[AIVY]|PR),?$")
#: A pharmacy quantity label as printed or as OCR reads it ("QTY", "Qty:", "OTY", "aTy", "ary", "ay").
_QTY_LABEL = re.compile(r"^(?:qty|quantity|units?|[qoa0][tr]?[yv])[:.]?$", re.I)
#: Headings that open the summary block even without an amount on their row ("ACCOUNT SUMMARY").
_SUMMARY_HEAD = re.compile(r"^(?:account\s+|statement\s+|billing\s+|bill\s+)?summary\b|please\s+detach|amount\s+enclosed|"
                           r"^abstract\s+of\s+bill\b", re.I)
#: Rows of the settlement that are not charges, even without a summary label ("Deductible applied 50.00").
_NOT_ITEM = re.compile(r"\b(?:deductible|co-?pay\w*|co-?insurance|insurance|allowed|not\s+covered|plan\s+pays?|"
                       r"patient\s+pays?|you\s+saved?|amount\s+due|thank\s+you)\b|t[o0]tal|rounding|change\b", re.I)
_TAX_TABLE = re.compile(r"\b(?:tax|gst|vat|sst)\b", re.I)
_ITEM_COLUMN = re.compile(r"\b(?:qty|quantity|units?|description|descr|item|items|service|procedure|drug|test)\b", re.I)
#: Tokens that stand before a description but are not part of it: tooth surfaces and eyes, short lower-case scraps.
_NOT_A_NAME = re.compile(r"^(?:[MODBLIF]{1,5}|O[DSU]|[a-z]{1,2}|(?i:rx|ref)#?)$")
_PAGE_TOTAL = re.compile(r"\b(?:page|line)\s+(?:sub)?total\b|\bsub-?total\s+(?:for\s+)?(?:this\s+)?page\b|"
                         r"carried\s+forward|\bc/f\b|continued", re.I)
_MONTH = re.compile(r"^(?:jan|feb|mar|apr|may|jun|jul|aug|sept?|oct|nov|dec)[a-z]*\.?,?$", re.I)
_EDGE_JUNK = "|[]{}()“”‘’\"'`_~—–-=+*°®«»,;:!"


@dataclass(frozen=True, slots=True)
class Item:
    code: str | None
    description: str | None
    quantity: float | None
    amount: Amount
    tokens: tuple[Token, ...]


_T = TypeVar("_T")
#: Per-call memo of what has been read from each row (rows are hashed by identity: hashing a Row is slow).
_MEMO: ContextVar[dict[tuple[str, int], object] | None] = ContextVar("items_memo", default=None)


def _per_row(fn: Callable[[Row], _T]) -> Callable[[Row], _T]:
    name = fn.__name__

    @wraps(fn)
    def wrapper(row: Row) -> _T:
        memo = _MEMO.get()
        if memo is None:
            return fn(row)
        key = (name, id(row))
        if key not in memo:
            memo[key] = fn(row)
        return memo[key]  # type: ignore[return-value]

    return wrapper


@_per_row
def _is_header(row: Row) -> bool:
    if amounts_in(row):
        return False  # "TOTAL CHARGES $98.18" is a summary row, not a table header
    words = [t.text.strip(":.()|") for t in row.tokens]
    words = [w for w in words if w]
    hits = [w for w in words if _HEADER_WORDS.match(w)]
    if len(hits) < 2 or len(hits) < len(words) * 0.4:
        return False
    # the amount column's title may be lost to OCR: three column titles make a header on their own
    return any(_HEADER_MONEY.match(w) for w in words) or (len(hits) >= 3 and len(hits) >= len(words) * 0.6)


@dataclass
class _Columns:
    qty: tuple[float, float] | None = None
    unit: tuple[float, float] | None = None
    amount: tuple[float, float] | None = None
    extra: dict[str, tuple[float, float]] = field(default_factory=dict)


def _columns(header: Row) -> _Columns:
    cols = _Columns()
    for t in header.tokens:
        w = t.text.strip(":.()|")
        span = (t.bbox.x0, t.bbox.x1)
        if _QTY_HEADER.match(w):
            cols.qty = span
        elif _UNIT_HEADER.match(w):
            cols.unit = span
        elif _HEADER_MONEY.match(w):
            cols.amount = span
    return cols


# --- amounts at the end of a row --------------------------------------------------------------------------------


def _is_scrap(t: Token) -> bool:
    """Nothing a description keeps: rules and stray marks (a single capital, "Vitamin D,", is kept)."""
    w = t.text.strip(_EDGE_JUNK + ".")
    return not w or (len(w) == 1 and not w.isdigit() and not w.isupper())


def _is_junk(t: Token) -> bool:
    """A token that carries nothing: table rules, stray marks, the taxable flag ``T`` after a price."""
    w = t.text.strip(_EDGE_JUNK + ".")
    return not w or (len(w) <= 1 and not w.isdigit())


@_per_row
def _row_amounts(row: Row) -> list[Amount]:
    """The row's money values, left to right; an amount OCR broke at the end of the row is read back."""
    # ",255.89" lost its leading digits: not an amount to trust
    amounts = [_unjoin(a) for a in amounts_in(row) if not a.tokens[0].text.startswith(",")]
    toks = list(row.tokens)
    end = len(toks)
    while end > 0 and (_is_junk(toks[end - 1]) or (end >= 2 and re.fullmatch(r"[A-Za-z]{1,3}[,.]?", toks[end - 1].text)
                                                    and re.search(r"\d", toks[end - 2].text))):
        end -= 1  # marks after the amount: "T", "SR", "ZRL" (tax flags), "ie," (a smudge)
    if end == 0:
        return amounts
    if amounts and amounts[-1].tokens[-1].index - row.tokens[0].index >= end - 1:
        return amounts  # the row already ends in a readable amount
    repaired = _repair_tail(row, toks[:end], money_column=bool(amounts))
    if repaired is not None and not any(set(a.tokens) & set(repaired.tokens) for a in amounts):
        return [a for a in amounts if a.tokens[-1].index < repaired.tokens[0].index] + [repaired]
    return amounts


def _unjoin(a: Amount) -> Amount:
    """``QTY 1  4.41`` is a quantity and a price, not 14.41: words are one amount only where the later ones continue
    a thousands group (``1, 234.50``, ``1 234.50``)."""
    if len(a.tokens) < 2:
        return a
    head = [t for t in a.tokens if not CURRENCY_WORD.match(t.text)]
    if len(head) < 2 or head[0].text.endswith((",", ".")) or re.match(r"^\d{3}(?!\d)", head[1].text):
        return a
    last = a.tokens[-1]
    value = parse_money(last.text.rstrip(":;"))
    return Amount(value, (last,), a.row) if value is not None else a


_SPLIT_TAIL = re.compile(r"^(\d{1,3}(?:,\d{3})*|\d+)[.,:]?$")


def _repair_tail(row: Row, toks: list[Token], *, money_column: bool = False) -> Amount | None:
    """An amount at the end of ``toks`` that OCR broke: edge marks (``12.00.``, ``"31.60``, ``222.12)``), a colon or
    doubled point for the decimal point (``58:38``, ``32..35``), or the point read as a gap (``130 00``,
    ``7,578. 12``). Marked repaired, so its evidence is less certain."""
    last = toks[-1]
    if re.match(r"^\W*,\d", last.text):
        return None  # lost its leading digits
    text = last.text.strip(_EDGE_JUNK).rstrip(".")
    after_date = len(toks) >= 2 and any(d.end >= len(" ".join(t.text for t in toks[:-1])) - 1
                                        for d in find_dates(" ".join(t.text for t in toks[:-1])))
    if not after_date:  # "12-26-2024 15:02" is a time, "58:38" at the end of an item row is an amount
        text = re.sub(r"(?<=\d)(?::|\.\.)(?=\d\d$)", ".", text)
    if money_column:  # after a rate, "344/00" is the charge with its point misread
        text = re.sub(r"(?<=\d)/(?=\d\d$)", ".", text)
    value = parse_money(text) if re.search(r"\d", text) else None
    if value is not None:
        return Amount(type(value)(value.amount, value.currency, True), (last,), row)
    if len(toks) >= 2 and re.fullmatch(r"\d\d", text):
        # the cents stand apart: "130 00", "7,578. 12", "1, 577. 97" (at most three pieces, close together)
        for n in (3, 2):
            if len(toks) < n:
                continue
            group = toks[-n:]
            if not all(b.bbox.x0 - a.bbox.x1 <= 1.5 * max(a.height, b.height) for a, b in zip(group, group[1:])):
                continue
            whole = "".join(t.text.strip(_EDGE_JUNK.replace(",", "")) for t in group[:-1])
            m = _SPLIT_TAIL.match(whole)
            if m and (n == 2 or "," in whole):
                value = parse_money(f"{m.group(1)}.{text}")
                if value is not None:
                    return Amount(type(value)(value.amount, value.currency, True), tuple(group), row)
    return None


def _amount_only(row: Row) -> list[Amount] | None:
    """The amounts of a row that holds nothing else (an amount pushed off its item's row), else None."""
    amounts = _row_amounts(row)
    if not amounts:
        return None
    used = {t.index for a in amounts for t in a.tokens}
    dated = _dated(row)
    if all(t.index in used or t.index in dated or _is_junk(t) or CURRENCY_WORD.match(t.text) for t in row.tokens):
        return amounts
    return None


# --- codes --------------------------------------------------------------------------------------------------------


def _code_of(t: Token, prev: Token | None) -> str | None:
    """The procedure/revenue/NDC code a token holds, with OCR ``O`` read as ``0``; a ZIP code is not one."""
    word = t.text.strip(_EDGE_JUNK.replace("-", ""))
    if _CODE_OCR.match(word) and sum(c.isdigit() for c in word) >= 2:
        word = word[0] + re.sub(r"[Oo]", "0", word[1:]) if word[0].isalpha() and word[0] not in "Oo" \
            else re.sub(r"[Oo]", "0", word)
    if not _PROC_CODE.match(word):
        return None
    if prev is not None and _STATE.match(prev.text) and re.fullmatch(r"\d{5}", word):
        return None  # "Lexington, KY 40522"
    return word.rstrip(",;:")


@dataclass(frozen=True, slots=True)
class _Found:
    code: str | None
    code_token: Token | None


def _find_code(row: Row, before: int) -> _Found:
    """A code among the row's first three tokens, or in the column just left of the amounts (``before``)."""
    toks = row.tokens
    dated = _dated(row)
    lead = [i for i in range(before) if toks[i].index not in dated and not _is_junk(toks[i])][:3]
    for i in lead:
        c = _code_of(toks[i], toks[i - 1] if i else None)
        if c:
            return _Found(c, toks[i])
    for i in range(before - 1, (lead[-1] if lead else -1), -1):
        t = toks[i]
        if _QTY.match(t.text.strip(_EDGE_JUNK)) or _is_junk(t):
            continue
        c = _code_of(t, toks[i - 1] if i else None)
        if c:
            return _Found(c, t)
        if len(t.text.strip(_EDGE_JUNK)) > 2:
            break  # a word: the code column is not here (a scrap of a table rule, "TE", is looked past)
    return _Found(None, None)


@_per_row
def _dated(row: Row) -> frozenset[int]:
    """Indices of the row's tokens that are part of a printed date."""
    return frozenset(t.index for d in find_dates(row.text) for t in row.span_tokens(d.start, d.end))


@_per_row
def _has_code(row: Row) -> bool:
    amounts = _row_amounts(row)
    before = amounts[0].tokens[0].index - row.tokens[0].index if amounts else len(row.tokens)
    return _find_code(row, before).code is not None


# --- the scan -----------------------------------------------------------------------------------------------------


def _label_of(row: Row, amounts: list[Amount]) -> str:
    first = amounts[0].tokens[0].index - row.tokens[0].index if amounts else len(row.tokens)
    return " ".join(t.text for t in row.tokens[:first])


@_per_row
def _starts_dated(row: Row) -> bool:
    """The row opens with a date (possibly after a code): a statement line ``2025-10-16 CT head ... 2,586.51``."""
    dates = find_dates(row.text)
    if not dates:
        return False
    head = " ".join(t.text for t in row.tokens[:2])
    return dates[0].start <= len(head)


def _is_qty_row(row: Row) -> bool:
    toks = row.tokens
    return len(toks) >= 2 and bool(_QTY_LABEL.match(toks[0].text)) and bool(_QTY.match(toks[1].text.strip("°'\"")))


def _qty_label_at(toks: list[Token]) -> int | None:
    """Where a quantity label with its number stands inside a row ("... TAB  QTY: 30  $4.00"), if anywhere."""
    for i, t in enumerate(toks[1:-1], start=1):
        if re.fullmatch(r"(?:qty|quantity)[:.]?", t.text, re.I) and _QTY.match(toks[i + 1].text.strip("°'\"")):
            return i
    return None


def line_items(rows: list[Row]) -> list[Item]:
    """Line items: rows under a table header that end in an amount, until the summary (totals) rows.

    Rows that carry a procedure code and end in an amount are taken anywhere outside the summary; without any
    header, so are dated statement lines, pharmacy ``QTY`` rows, and blocks where the code and description sit on the
    rows above the amount (``Rx#``, drug, ``NDC ...``, ``QTY 30  12.00``). A row with text but no amount right under
    an item continues that item's description.
    """
    token = _MEMO.set({})
    try:
        return _line_items(rows)
    finally:
        _MEMO.reset(token)


def _line_items(rows: list[Row]) -> list[Item]:
    items: list[Item] = []
    in_table = False
    cols = _Columns()
    any_header = any(_is_header(r) for r in rows)
    last: Item | None = None
    last_block = False  # a pharmacy block's description is above its amount row, never continued below it
    header_at = -2
    claimed: set[int] = set()  # rows whose amount was joined to the item row beside them
    pending: list[Row] = []  # rows since the last item, which may hold a block item's code and description
    #: the money column of a table section that ended in its sub-total ("Sub Total", "Total Pharmacy"): a heading (a
    #: row without an amount) and then rows with an amount in that column are the next section of the same table
    #: (hospital bills); an amount right under the sub-total is the summary's, not a section's
    section: Amount | None = None
    heading = False
    for k, row in enumerate(rows):
        if row.index in claimed:
            continue
        if _is_header(row):
            if header_at == k - 1:
                header_at = k  # the second line of a two-line header ("Price  Tax  Tax Code")
                continue
            # a tax summary table ("Tax Code  %  Amt") lists tax bases, not items
            above = rows[k - 1].text if k and rows[k - 1].page == row.page else ""
            tax_table = bool(_TAX_TABLE.search(row.text)) and not _ITEM_COLUMN.search(f"{above} {row.text}")
            in_table, cols, last, pending, header_at = not tax_table, _columns(row), None, [], k
            continue
        amounts = _row_amounts(row)
        label = _label_of(row, amounts)
        coded = _has_code(row)
        if not coded and amounts and _PAGE_TOTAL.search(label):
            last, pending = None, []  # a page's subtotal inside a table that goes on over the page
            continue
        role = role_of(label) if amounts else None
        if not coded and (role is not None or _SUMMARY_HEAD.search(row.text) or (amounts and _NOT_ITEM.search(label))):
            ends_section = in_table and last is not None and role in _SECTION_END
            section, heading = (last.amount if ends_section and last is not None else None), False
            in_table, last, pending = False, None, []  # the summary block ends the table
            continue
        if section is not None and not in_table:
            if not amounts:
                heading = True
            elif (heading and row.page == section.row.page
                  and abs(amounts[-1].x1 - section.x1) <= 1.5 * section.tokens[-1].height):
                in_table = True  # the next section of a sectioned table
            else:
                section = None
        qty_row = _is_qty_row(row)
        if not amounts and (coded or qty_row or (in_table and _starts_dated(row))):
            amounts = _neighbour_amounts(rows, k, claimed)
            if amounts:
                claimed.add(amounts[0].row.index)
        if not amounts:
            if last is not None and not last_block and _continues(last, row):
                desc = f"{last.description or ''} {_clean_text(row.tokens)}".strip()
                items[-1] = last = Item(last.code, desc, last.quantity, last.amount, (*last.tokens, *row.tokens))
            else:
                pending = [*pending[-3:], row]
            continue
        item: Item | None = None
        if qty_row and not coded:
            item = _block_item(pending, row, amounts)
        elif coded or in_table:
            item = _item(row, amounts, cols)
            if item is None and in_table and not _amount_only(row) and not _lacks_amount(rows, k + 1):
                # a retail receipt's row of article number, quantity and price: its name is on the row above
                # (or, when that one is taken, continues on the row below)
                item = _item(row, amounts, cols, bare=True, above=_text_above(pending, row))
        elif _qty_label_at(list(row.tokens)) is not None and not _STRUCTURED.match(row.text):
            item = _item(row, amounts, cols)  # "RX 6017560 ALBUTEROL HFA INHALER  QTY: 1  $50.00"
            if item is None or not re.search(r"[A-Za-z]{3}", item.description or ""):
                item = _block_item(pending, row, amounts)  # only a scrap before "QTY": a block, name above
        elif not any_header and _starts_dated(row) and not _STRUCTURED.match(row.text):
            item = _item(row, amounts, cols, bare=last is not None and _in_run(last, row, amounts)
                         and not _lacks_amount(rows, k + 1))
        elif last is not None and _in_run(last, row, amounts) and not _STRUCTURED.match(row.text):
            # the next row of a run of items whose code (or header) OCR lost: its amount stands in the same column
            item = _item(row, amounts, cols, bare=_starts_dated(row) and not _lacks_amount(rows, k + 1))
        elif not any_header:
            item = _block_item(pending, row, amounts, need_code=True)
        pending = []
        if item is not None:
            items.append(item)
        last, last_block = item, item is not None and qty_row
    return items


#: Labels that close one section of a table rather than the table: a sub-total, or a total of lesser strength
#: ("Total Pharmacy Charges", "Section Total"); a grand total or a balance ends the table.
_SECTION_END = {(Role.subtotal, 0), (Role.total, 1)}


def _lacks_amount(rows: list[Row], k: int) -> bool:
    """Whether row ``k`` is an item row (a code or a pharmacy quantity) whose amount is on a row beside it."""
    if k >= len(rows) or k == 0 or rows[k].page != rows[k - 1].page or _row_amounts(rows[k]):
        return False
    return _has_code(rows[k]) or _is_qty_row(rows[k])


def _in_run(last: Item, row: Row, amounts: list[Amount]) -> bool:
    prev = last.amount
    if prev.row.page != row.page or not 0 < row.index - prev.row.index <= 3:
        return False
    return abs(amounts[-1].x1 - prev.x1) <= 1.5 * prev.tokens[-1].height


def _neighbour_amounts(rows: list[Row], k: int, claimed: set[int]) -> list[Amount]:
    """The amount of an item row that skew or a table rule pushed onto the row just above or below it."""
    row = rows[k]
    best: tuple[float, list[Amount]] | None = None
    for j in (k - 1, k + 1):
        if not 0 <= j < len(rows) or rows[j].page != row.page or rows[j].index in claimed:
            continue
        only = _amount_only(rows[j])
        if not only or only[-1].tokens[0].bbox.x0 < max(t.bbox.x1 for t in row.tokens):
            continue  # the amount must stand right of the row's text, in the money column
        dy = abs(rows[j].tokens[0].yc - row.tokens[0].yc)
        if dy > 2.5 * row.tokens[0].height:
            continue
        if best is None or dy < best[0]:
            best = (dy, only)
    return best[1] if best else []


def _continues(last: Item, row: Row) -> bool:
    """Whether a text row without an amount, right under an item, is the rest of its description."""
    prev = last.tokens[-1]
    if last.tokens[0].row < last.amount.row.index:
        return False  # its name was printed above its amount: the row below starts the next item
    if row.page != prev.page or prev.row != row.index - 1 or not re.search(r"[A-Za-z]{3}", row.text):
        return False
    if role_of(row.text) is not None or _SUMMARY_HEAD.search(row.text) or _is_header(row):
        return False
    words = [t for t in row.tokens if not _is_junk(t)]
    if not words or any(t.text.strip() == "|" for t in row.tokens):
        return False
    if sum(t.confidence for t in row.tokens) / len(row.tokens) < 0.6:
        return False  # OCR of a table rule or a smudge, not words
    if row.tokens[0].yc - prev.yc > 2.5 * prev.height:
        return False
    desc = [t for t in last.tokens if last.description and t.text in last.description.split()]
    if desc:
        x = desc[0].bbox.x0
        if abs(row.tokens[0].bbox.x0 - x) > 3 * row.tokens[0].height:
            return False  # not under the description column
    return True


_NDC = re.compile(r"^\d{4,5}-\d{3,4}-\d{1,2}$")
_RX_REF = re.compile(r"^r[a-z%]{0,2}\s*#?\s*\d{3,}|^(?:rx|ref)\s*#", re.I)


def _block_item(block: list[Row], row: Row, amounts: list[Amount], *, need_code: bool = False) -> Item | None:
    """An item printed as a block: the code (NDC) and description on the (at most four) rows above the amount row.

    The amount row is a pharmacy ``QTY`` row, or (``need_code``) any row under a code row."""
    code, code_row = None, None
    for r in reversed(block):
        for t in r.tokens:
            w = t.text.strip(",;:")
            if _NDC.match(w) or (_PROC_CODE.match(w) and t is r.tokens[0]):
                code, code_row = w, r
                break
        if code:
            break
    if code_row is None and need_code:
        return None
    # the description: the text rows after the last prescription reference, without the code row
    start = 0
    for i, r in enumerate(block):
        if _RX_REF.match(r.text):
            start = i + 1
    body = [r for r in block[start:] if r is not code_row and re.search(r"[A-Za-z]{3}", r.text)
            and not re.match(r"^(?:ndc|noc|nde)\b", r.text, re.I) and not _STRUCTURED.match(r.text)]
    if start == 0 and code_row is None:
        body = body[-1:]  # an over-the-counter item: its one description row
    elif start == 0:
        code_at = block.index(code_row)
        body = [r for r in body if block.index(r) >= code_at - 2][-2:]
    description = " ".join(_clean_text(r.tokens) for r in body).strip() or None
    if description is None and code is None:
        return None
    quantity = None
    toks = list(row.tokens)
    for i, t in enumerate(toks[:-1]):
        if _QTY_LABEL.match(t.text):
            q = _QTY.match(toks[i + 1].text.strip("°'\""))
            if q:
                quantity = float(q.group(1))
                break
    used = [r for r in block if r in body or r is code_row]
    return Item(code, description, quantity, amounts[-1], tuple(t for r in (*used, row) for t in r.tokens))


#: Rows of a receipt's header that are not an item's description ("DOB: ...", "Patient: ...", "Card #: ...").
_STRUCTURED = re.compile(r"^\W*(?:dob|date|patient|card|member|trans|receipt|fill|prescriber|dr\.?|phone|tel|npi)\b",
                         re.I)


def _clean_text(tokens: tuple[Token, ...] | list[Token]) -> str:
    words = [t.text.strip(_EDGE_JUNK.replace(",", "").replace("-", "").replace("(", "").replace(")", ""))
             for t in tokens if not _is_scrap(t)]
    return " ".join(w for w in words if w)


def _text_above(pending: list[Row], row: Row) -> Row | None:
    for r in reversed(pending):
        if r.page != row.page or row.index - r.index > 2:
            return None
        if re.search(r"[A-Za-z]{3}", r.text) and not _is_header(r) and not _STRUCTURED.match(r.text):
            return r
    return None


def _item(row: Row, amounts: list[Amount], cols: _Columns, *, bare: bool = False,
          above: Row | None = None) -> Item | None:
    """The item a row holds; ``bare``: a dated row in a run of items may have lost its code and description."""
    amount = amounts[-1]
    if cols.amount is not None and len(amounts) > 1:
        centre = (cols.amount[0] + cols.amount[1]) / 2
        amount = min(amounts, key=lambda a: abs((a.tokens[0].bbox.x0 + a.x1) / 2 - centre))
        if amount is not amounts[-1] and amounts[-1].x1 > amount.x1:
            amount = amounts[-1]  # the rightmost money column is the line amount
    own = amounts[0].row is row
    first_money = amounts[0].tokens[0].index - row.tokens[0].index if own else len(row.tokens)
    found = _find_code(row, first_money)
    money_idx = {t.index for a in amounts for t in a.tokens}
    date_idx = _dated(row)
    toks = [t for t in row.tokens if t.index not in money_idx]
    # the description runs from the first word to the last word before the code column, quantity and amounts
    words = [i for i, t in enumerate(toks)
             if t.index not in date_idx and t is not found.code_token and not _MONTH.match(t.text.strip(_EDGE_JUNK))
             and re.search(r"[A-Za-z]{2}", t.text) and not CURRENCY_WORD.match(t.text)]
    label_at = _qty_label_at(toks)
    if label_at is not None:
        words = [i for i in words if i < label_at]
    while words and (re.search(r"\d", toks[words[0]].text) or (len(words) > 1 and _NOT_A_NAME.match(
            toks[words[0]].text.strip(_EDGE_JUNK)))):
        # a description opens with a word, not a date fragment ("UG-24"), an OCR-mangled code, a tooth surface or
        # eye ("MOD", "OD") or a stray lower-case scrap before it ("ai Crown, porcelain")
        words.pop(0)
    desc_tokens: list[Token] = []
    if words:
        end = words[-1]
        if found.code_token is not None and found.code_token in toks:
            at = toks.index(found.code_token)
            if at > words[0]:
                end = max(i for i in words if i < at)
        desc_tokens = [t for t in toks[words[0] : end + 1]
                       if t is not found.code_token and t.index not in date_idx and not _is_scrap(t)]
    quantity = None
    if label_at is not None:
        quantity = float(_QTY.match(toks[label_at + 1].text.strip("°'\"")).group(1))  # type: ignore[union-attr]
    after = [] if quantity is not None else toks[(toks.index(desc_tokens[-1]) + 1) if desc_tokens else 0 :]
    for t in after:
        if t is found.code_token or t.index in date_idx:
            continue
        q = _QTY.match(t.text.strip(_EDGE_JUNK))
        if q and _in_column(t, cols.qty, default=bool(desc_tokens)):
            quantity = float(q.group(1))
            break
    if quantity is None and cols.qty is not None and cols.unit is not None and len(amounts) >= 2:
        quantity = _units_from_rate(amounts[-2], amount)
    description = _clean_text(desc_tokens) or None
    if description is None and found.code is None and not bare:
        return None
    tokens = row.tokens if own else sorted((*row.tokens, *amounts[0].row.tokens), key=lambda t: t.index)
    if description is None and above is not None:
        description = _clean_text(above.tokens) or None
        tokens = (*above.tokens, *tokens)
    return Item(found.code, description, quantity, amount, tuple(tokens))


def _units_from_rate(rate: Amount, amount: Amount) -> float | None:
    """The units a row's rate and charge imply, where OCR dropped the printed units (``Units  Rate  Charge`` with
    ``135.94  135.94``): only a whole number of units counts."""
    r, a = rate.value.amount, amount.value.amount
    if r <= 0 or a <= 0 or a < r:
        return None
    units = a / r
    return float(units) if units == units.to_integral_value() and units <= 999 else None


def _in_column(t: Token, span: tuple[float, float] | None, *, default: bool) -> bool:
    if span is None:
        return default
    pad = (span[1] - span[0]) * 0.6 + 10
    return t.bbox.x1 >= span[0] - pad and t.bbox.x0 <= span[1] + pad


__all__ = ["Item", "line_items"]
