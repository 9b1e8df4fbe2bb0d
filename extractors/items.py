"""Line items rebuilt from rows of word boxes: table rows under a header, code rows, and pharmacy-style blocks.

Pure: rows (from ``extractors.layout.build_rows``) in, items out. The summary block (totals, tax, payments) ends a
table; what the amounts there mean is ``extractors.layout``'s business.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from extractors.layout import CURRENCY_WORD, Amount, Row, Token, amounts_in, role_of
from extractors.normalize import find_dates

# --- line items -------------------------------------------------------------------------------------------------

_HEADER_WORDS = re.compile(
    r"^(?:description|descr|service|services|procedure|code|cpt|hcpcs|cdt|ndc|rx|item|items|qty|quantity|units?|"
    r"amount|amt|charges?|price|rate|fee|fees|total|date|dos|unit|drug|medication|test|rev)\b", re.I)
_HEADER_MONEY = re.compile(r"^(?:amount|amt|charges?|price|fee|fees|total|billed)\b", re.I)
_QTY_HEADER = re.compile(r"^(?:qty|quantity|units?|days|count|#)$", re.I)
_UNIT_HEADER = re.compile(r"^(?:unit|rate|price|each|ea)\b", re.I)
_PROC_CODE = re.compile(r"^(?:\d{4}[0-9A-Z]|[A-Z]\d{4}|0\d{3}|\d{4,5}-\d{3,4}-\d{1,2})[,;:]?$")
_QTY = re.compile(r"^[xX]?(\d{1,3})(?:\.0+)?[xX]?$")
_DATE_LIKE = re.compile(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}$")


@dataclass(frozen=True, slots=True)
class Item:
    code: str | None
    description: str | None
    quantity: float | None
    amount: Amount
    tokens: tuple[Token, ...]


def _is_header(row: Row) -> bool:
    if amounts_in(row):
        return False  # "TOTAL CHARGES $98.18" is a summary row, not a table header
    words = [t.text.strip(":.()") for t in row.tokens]
    hits = [w for w in words if _HEADER_WORDS.match(w)]
    return len(hits) >= 2 and any(_HEADER_MONEY.match(w) for w in words) and len(hits) >= len(words) * 0.4


@dataclass
class _Columns:
    qty: tuple[float, float] | None = None
    unit: tuple[float, float] | None = None
    amount: tuple[float, float] | None = None
    extra: dict[str, tuple[float, float]] = field(default_factory=dict)


def _columns(header: Row) -> _Columns:
    cols = _Columns()
    for t in header.tokens:
        w = t.text.strip(":.()")
        span = (t.bbox.x0, t.bbox.x1)
        if _QTY_HEADER.match(w):
            cols.qty = span
        elif _UNIT_HEADER.match(w):
            cols.unit = span
        elif _HEADER_MONEY.match(w):
            cols.amount = span
    return cols


def line_items(rows: list[Row]) -> list[Item]:
    """Line items: rows under a table header that end in an amount, until the summary (totals) rows.

    Without any header, rows that carry a procedure code and end in an amount are taken, and so are blocks where
    the code and description sit on the rows above the amount (pharmacy receipts: "Rx#", drug, "NDC ...",
    "QTY 30  12.00"). A row with text but no amount right under an item continues that item's description.
    """
    items: list[Item] = []
    in_table = False
    cols = _Columns()
    any_header = any(_is_header(r) for r in rows)
    last: Item | None = None
    pending: list[Row] = []  # headerless: rows since the last item, which may hold its code and description
    for row in rows:
        if _is_header(row):
            in_table, cols, last, pending = True, _columns(row), None, []
            continue
        amounts = amounts_in(row)
        text = row.text
        first_amount = amounts[0].tokens[0].index - row.tokens[0].index if amounts else len(row.tokens)
        label = " ".join(t.text for t in row.tokens[:first_amount])
        if amounts and role_of(label) is not None and not _has_code(row):
            in_table, last, pending = False, None, []  # the summary block ends the table
            continue
        if any_header and not in_table:
            continue
        if not amounts:
            if last is not None and in_table and re.search(r"[A-Za-z]{3}", text) and last.tokens[-1].row == row.index - 1:
                desc = f"{last.description or ''} {text}".strip()
                items[-1] = last = Item(last.code, desc, last.quantity, last.amount, (*last.tokens, *row.tokens))
            elif not any_header:
                pending = [*pending[-3:], row]
            continue
        if not any_header and not _has_code(row):
            block = _block_item(pending, row, amounts)
            pending = []
            if block is not None:
                items.append(block)
                last = block
            continue
        item = _item(row, amounts, cols)
        pending = []
        if item is not None:
            items.append(item)
            last = item
    return items


_NDC = re.compile(r"^\d{4,5}-\d{3,4}-\d{1,2}$")
_QTY_LABEL = re.compile(r"^(?:qty|quantity|units?|#)[:.]?$", re.I)


def _block_item(block: list[Row], row: Row, amounts: list[Amount]) -> Item | None:
    """An item whose code is on one of the (at most four) rows above its amount row."""
    code, code_row = None, None
    for r in reversed(block):
        for t in r.tokens:
            w = t.text.strip(",;:")
            if _NDC.match(w) or (_PROC_CODE.match(w) and t is r.tokens[0]):
                code, code_row = w, r
                break
        if code:
            break
    if code is None or code_row is None:
        return None
    start = block.index(code_row)
    # the description: text rows around the code row that are not "Rx#"-style references
    desc_rows = [r for r in block[max(0, start - 2) :] if r is not code_row and not re.match(r"^(?:rx|ref)\s*#", r.text, re.I)]
    description = " ".join(r.text for r in desc_rows if re.search(r"[A-Za-z]{3}", r.text)) or None
    quantity = None
    toks = list(row.tokens)
    for i, t in enumerate(toks[:-1]):
        if _QTY_LABEL.match(t.text):
            q = _QTY.match(toks[i + 1].text)
            if q:
                quantity = float(q.group(1))
    return Item(code, description, quantity, amounts[-1], tuple(t for r in (*block[start:], row) for t in r.tokens))


def _has_code(row: Row) -> bool:
    return any(_PROC_CODE.match(t.text) for t in row.tokens[:3])


def _item(row: Row, amounts: list[Amount], cols: _Columns) -> Item | None:
    amount = amounts[-1]
    if cols.amount is not None and len(amounts) > 1:
        centre = (cols.amount[0] + cols.amount[1]) / 2
        amount = min(amounts, key=lambda a: abs((a.tokens[0].bbox.x0 + a.x1) / 2 - centre))
        if amount is not amounts[-1] and amounts[-1].x1 > amount.x1:
            amount = amounts[-1]  # the rightmost money column is the line amount
    money_idx = {t.index for a in amounts for t in a.tokens}
    date_idx = {t.index for d in find_dates(row.text) for t in row.span_tokens(d.start, d.end)}
    code = None
    quantity = None
    desc_tokens: list[Token] = []
    for t in row.tokens:
        if t.index in money_idx or t.index in date_idx:
            continue
        word = t.text.strip(",;:|()[]'/")
        if code is None and _PROC_CODE.match(word):
            code = word
            continue
        q = _QTY.match(word)
        if q and quantity is None and _in_column(t, cols.qty, default=bool(desc_tokens)):
            quantity = float(q.group(1))
            continue
        if _DATE_LIKE.match(word) and not desc_tokens:
            continue
        if CURRENCY_WORD.match(word):
            continue
        desc_tokens.append(t)
    description = " ".join(t.text for t in desc_tokens).strip() or None
    if description is None and code is None:
        return None
    return Item(code, description, quantity, amount, row.tokens)


def _in_column(t: Token, span: tuple[float, float] | None, *, default: bool) -> bool:
    if span is None:
        return default
    pad = (span[1] - span[0]) * 0.6 + 10
    return t.bbox.x1 >= span[0] - pad and t.bbox.x0 <= span[1] + pad


__all__ = ["Item", "line_items"]
