"""Page layout from word boxes: rows, cells, labelled amounts (money roles), the total, and line items.

Rows are rebuilt from the words' boxes (vertical overlap), not from the OCR engine's line numbers, because table
columns often come back as separate text blocks. Everything here is pure: OCR words in, layout values out.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache

from claimflow.model import BBox, Evidence, OcrResult
from extractors.normalize import MoneyValue, parse_money


@dataclass(frozen=True, slots=True)
class Token:
    """One OCR word placed on its page; ``index`` is its position in the document's reading order."""

    index: int
    text: str
    page: int
    bbox: BBox
    confidence: float
    row: int = -1

    @property
    def yc(self) -> float:
        return (self.bbox.y0 + self.bbox.y1) / 2

    @property
    def height(self) -> float:
        return max(1.0, self.bbox.y1 - self.bbox.y0)


@dataclass(frozen=True, slots=True)
class Row:
    index: int
    page: int
    tokens: tuple[Token, ...]

    @property
    def text(self) -> str:
        return " ".join(t.text for t in self.tokens)

    def span_tokens(self, start: int, end: int) -> list[Token]:
        """Tokens overlapping characters [start, end) of :attr:`text`."""
        out, pos = [], 0
        for t in self.tokens:
            if pos < end and start < pos + len(t.text):
                out.append(t)
            pos += len(t.text) + 1
        return out


#: How much the OCR engine's own word confidence weighs in a field's confidence. Tesseract's word confidences are
#: a weak signal (correct words often score 0), so they temper the extractor's certainty rather than veto it.
OCR_WEIGHT = 0.4


def evidence(tokens: list[Token] | tuple[Token, ...], certainty: float = 1.0) -> Evidence:
    """Evidence for a value read from ``tokens``: their page and box; confidence = the extractor's certainty,
    tempered by the OCR confidence of the words (``OCR_WEIGHT``)."""
    box = BBox.union([t.bbox for t in tokens])
    ocr_conf = sum(t.confidence for t in tokens) / len(tokens)
    conf = certainty * (1 - OCR_WEIGHT + OCR_WEIGHT * ocr_conf)
    return Evidence(page=tokens[0].page, bbox=[round(v, 1) for v in box.as_list()],
                    confidence=round(max(0.0, min(1.0, conf)), 3))


def build_rows(ocr: OcrResult) -> list[Row]:
    """Words grouped into visual rows per page (top to bottom), words left to right."""
    rows: list[Row] = []
    index = 0
    for page in ocr.pages:
        words = [w for w in page.words if w.text.strip()]
        if not words:
            continue
        toks = [Token(0, w.text.strip(), page.number, w.bbox, w.confidence) for w in words]
        groups: list[list[Token]] = []
        for t in sorted(toks, key=lambda t: (t.yc, t.bbox.x0)):
            placed = False
            for g in reversed(groups[-4:]):
                y0 = statistics.median(x.bbox.y0 for x in g)
                y1 = statistics.median(x.bbox.y1 for x in g)
                overlap = min(y1, t.bbox.y1) - max(y0, t.bbox.y0)
                if overlap >= 0.5 * min(y1 - y0, t.height):
                    g.append(t)
                    placed = True
                    break
            if not placed:
                groups.append([t])
        groups.sort(key=lambda g: statistics.median(x.yc for x in g))
        for g in groups:
            g.sort(key=lambda t: t.bbox.x0)
            placed_tokens = []
            for t in g:
                placed_tokens.append(Token(index, t.text, t.page, t.bbox, t.confidence, len(rows)))
                index += 1
            rows.append(Row(len(rows), page.number, tuple(placed_tokens)))
    return rows


# --- money in rows ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Amount:
    value: MoneyValue
    tokens: tuple[Token, ...]
    row: Row

    @property
    def x1(self) -> float:
        return max(t.bbox.x1 for t in self.tokens)


CURRENCY_WORD = re.compile(r"^(?:\$|US\$|CA\$|C\$|RM|RH|MYR|USD|EUR|€|£|GBP|CAD)$", re.I)


def amounts_in(row: Row) -> list[Amount]:
    """Money values printed in a row, left to right. A currency sign or a split thousands group may be its own word."""
    return list(_amounts_in(row))


@lru_cache(maxsize=2048)
def _amounts_in(row: Row) -> tuple[Amount, ...]:
    out: list[Amount] = []
    toks = row.tokens
    i = 0
    while i < len(toks):
        found = None
        for n in (3, 2, 1):  # prefer the longest reading: "$ 1, 234.50"
            if i + n > len(toks):
                continue
            group = toks[i : i + n]
            if n > 1 and not _adjacent(group):
                continue
            text = "".join(t.text for t in group) if n > 1 else group[0].text
            text = text.rstrip(":;")
            value = parse_money(text)
            if value is not None and (n == 1 or not any(CURRENCY_WORD.match(t.text) for t in group[1:])):
                found = Amount(value, tuple(group), row)
                i += n
                break
        if found:
            out.append(found)
        else:
            i += 1
    return tuple(out)


def _adjacent(group: tuple[Token, ...] | list[Token]) -> bool:
    for a, b in zip(group, group[1:], strict=False):
        gap = b.bbox.x0 - a.bbox.x1
        if gap > 1.2 * max(a.height, b.height):
            return False
    return True


# --- roles of labelled amounts ----------------------------------------------------------------------------------


class Role(StrEnum):
    total = "total"
    subtotal = "subtotal"
    tax = "tax"
    adjustment = "adjustment"
    payment = "payment"
    previous = "previous_balance"
    balance = "balance_due"


#: (role, strength, label pattern) checked in order; the first match names a row's role. Lower strength = preferred.
_ROLE_LABELS: tuple[tuple[Role, int, re.Pattern[str]], ...] = (
    (Role.previous, 0, re.compile(
        r"\b(?:previous|prior|prev\.?)\s+bal(?:ance)?\b|\bbal(?:ance)?\s+(?:forward|fwd|b/?f)\b", re.I)),
    (Role.payment, 0, re.compile(
        r"\b(?:payments?|paid|tendered|cash|change|visa|master\s*card|credit\s+card|card|deposit|refund|"
        r"amount\s+received)\b", re.I)),
    (Role.balance, 0, re.compile(
        r"\b(?:balance|(?:amount|amt\.?)\s+due|due\s+amount|please\s+pay|pay\s+this|patient\s+(?:responsibility|owes)|"
        r"you\s+owe|amount\s+owed|total\s+due)\b", re.I)),
    (Role.adjustment, 0, re.compile(
        r"\b(?:adjust\w*|discount\w*|write[-\s]?off|allowance|rounding|round\s+adj|coupon|savings?)\b", re.I)),
    (Role.subtotal, 0, re.compile(r"\bsub[-\s]?total\b|\btotal\s+(?:before|excl\w*|w/o)\b", re.I)),
    (Role.total, 0, re.compile(
        r"\btotal\s*rounded\b|\brounded\s*total\b|\btotal\s+after\b|\b(?:amount|total)\s+payable\b|\btotal\s+(?:charges?|billed|bill)\b|\b(?:amount|charges?)\s+billed\b|\bcharges?\s+total\b|"
        r"\btotal\s+amount\b(?!\s+(?:due|paid))|\bgrand\s*total\b|\bnett?\s*total\b|\btotal\s+(?:incl\w*|inc\.?|"
        r"inclusive)\b|\btotal\s+(?:sales|payable|rm|\(rm\)|myr|usd)\b|\btotal\s+\(?incl", re.I)),
    (Role.tax, 0, re.compile(r"\b(?:tax|vat|gst|sst|service\s+charge)\b", re.I)),
    (Role.total, 1, re.compile(r"\btotal\b(?!\s*(?:qty|quantity|items?|units?|no\.?|pcs|savings?|tax|gst)\b)", re.I)),
)
_TOTAL_TYPO = re.compile(r"\b(?:t[o0a]t[a4]l|tota1|totai|tota|otal|t0tal|[jilf1|]otal)\b", re.I)
#: Words OCR glued together on receipts: "TotalAmount", "SubTotal", "NetTotal" read as two words.
_GLUED = re.compile(r"\b(total|sub|net|grand|amount)(?=(?:total|amount|amt|sales|due|payable|incl|excl)\b)", re.I)
_CHANGE = re.compile(r"\b(?:change|chan[gq]e|baki)\b", re.I)
_NOT_A_LABEL = re.compile(r"\b(?:page|line|item)\s+total\b|\bsubtotal\s+for\s+page\b", re.I)


@dataclass(frozen=True, slots=True)
class LabelledAmount:
    role: Role
    strength: int
    amount: Amount
    label: str


def role_of(label: str) -> tuple[Role, int] | None:
    if _NOT_A_LABEL.search(label):
        return None
    label = _GLUED.sub(r"\1 ", _TOTAL_TYPO.sub("total", label))
    for role, strength, pattern in _ROLE_LABELS:
        if pattern.search(label):
            return role, strength
    return None


def labelled_amounts(rows: list[Row]) -> list[LabelledAmount]:
    """Amounts with a role label to their left on the same row, or alone on the row under a label-only row."""
    out: list[LabelledAmount] = []
    for k, row in enumerate(rows):
        amounts = amounts_in(row)
        if not amounts:
            continue
        pairs = _pairs(row, amounts)
        if pairs:
            out.extend(pairs)  # "Total Saving 0.00  Total 77.20": two summary cells on one row
            continue
        first = amounts[0].tokens[0].index - row.tokens[0].index
        label = " ".join(t.text for t in row.tokens[:first] if not CURRENCY_WORD.match(t.text))
        if not re.search(r"[A-Za-z]{2}", label) and k > 0 and rows[k - 1].page == row.page and not amounts_in(rows[k - 1]):
            label = rows[k - 1].text  # label on the row above, value below
        role = role_of(label)
        if role is None and k > 0 and rows[k - 1].page == row.page and not amounts_in(rows[k - 1]):
            label = f"{rows[k - 1].text} {label}"  # a label broken over two rows: "Total:" / "Charges: $722.92"
            role = role_of(label)
        if role is None:
            continue
        out.append(LabelledAmount(role[0], role[1], amounts[-1], label))
    return out


def _pairs(row: Row, amounts: list[Amount]) -> list[LabelledAmount]:
    """Label/amount cells side by side on one row, when a later amount has a role label of its own between it and
    the amount before it. Empty when the row is a single labelled amount (or a table row)."""
    if len(amounts) < 2:
        return []
    out: list[LabelledAmount] = []
    start = row.tokens[0].index
    for a in amounts:
        label = " ".join(t.text for t in row.tokens if start <= t.index < a.tokens[0].index
                         and not CURRENCY_WORD.match(t.text))
        role = role_of(label) if re.search(r"[A-Za-z]{2}", label) else None
        if role is not None:
            out.append(LabelledAmount(role[0], role[1], a, label))
        start = a.tokens[-1].index + 1
    return out if len(out) >= 2 else []


@dataclass(frozen=True, slots=True)
class TotalChoice:
    total: LabelledAmount | None
    certainty: float
    warnings: tuple[str, ...] = ()


def choose_total(labelled: list[LabelledAmount], items_sum: Decimal | None,
                 rows: list[Row] | None = None) -> TotalChoice:
    """The billed total: by label strength ("Total charges" beats a bare "Total"; balance due and payments never
    count), then arithmetic agreement (line items [+ tax], subtotal + tax + adjustments, or cash tendered − change),
    then position (the last one printed). When no total label can be read (a garbled "TOTAL"), an amount printed
    below the subtotal that the arithmetic confirms is taken, less surely."""
    totals = [la for la in labelled if la.role is Role.total and la.amount.value.amount >= 0]
    tax = sum((la.amount.value.amount for la in labelled if la.role is Role.tax), Decimal("0.00"))
    adjust = sum((la.amount.value.amount for la in labelled if la.role is Role.adjustment), Decimal("0.00"))
    checks: set[Decimal] = set()
    if items_sum is not None:
        checks |= {items_sum, items_sum + tax}
    subtotals = [la for la in labelled if la.role is Role.subtotal]
    if subtotals and tax:
        checks |= {subtotals[-1].amount.value.amount + tax, subtotals[-1].amount.value.amount + tax + adjust}
    paid = [la for la in labelled if la.role is Role.payment and not _CHANGE.search(la.label)]
    change = [la for la in labelled if la.role is Role.payment and _CHANGE.search(la.label)]
    if paid and change:
        checks.add(paid[0].amount.value.amount - change[0].amount.value.amount)
    if not totals and rows is not None:
        confirmed = _confirmed_unlabelled(labelled, rows, checks - {Decimal("0.00")})
        if confirmed is not None:
            return TotalChoice(confirmed, 0.8, ("total: its label could not be read; the amount the arithmetic "
                                                "confirms is taken",))
    if not totals:
        settled = any(la.role in (Role.payment, Role.adjustment, Role.previous) for la in labelled)
        balances = [la for la in labelled if la.role is Role.balance and la.amount.value.amount > 0]
        if balances and not settled:
            # nothing paid, adjusted or carried forward: the amount due is the whole bill ("Amt Due 129.30")
            return TotalChoice(balances[-1], 0.75, ("total: no total label; the amount due is taken as the total",))
        if subtotals and not any(la.role is Role.tax for la in labelled):
            return TotalChoice(subtotals[-1], 0.7, ("total: no total label; the subtotal is taken as the total",))
        return TotalChoice(None, 0.0, ("total: no labelled total found",))
    best_strength = min(la.strength for la in totals)
    agreeing = [la for la in totals if la.amount.value.amount in checks]
    if agreeing:
        strongest_agreeing = min(la.strength for la in agreeing)
        chosen = [la for la in agreeing if la.strength == strongest_agreeing][-1]
        return TotalChoice(chosen, 1.0 if chosen.strength == best_strength else 0.9)
    strongest = [la for la in totals if la.strength == best_strength]
    values = {la.amount.value.amount for la in strongest}
    chosen = strongest[-1]
    certainty = 0.95 if best_strength == 0 else 0.85
    warnings: tuple[str, ...] = ()
    if len(values) > 1:
        certainty -= 0.25
        warnings = (f"total: {len(values)} different amounts are labelled as the total; the last one is taken",)
    return TotalChoice(chosen, certainty, warnings)


def _confirmed_unlabelled(labelled: list[LabelledAmount], rows: list[Row], checks: set[Decimal]) -> LabelledAmount | None:
    """An amount without a readable label, printed after the first summary row (subtotal, tax), that equals exactly
    one arithmetic check value."""
    summary = [la.amount.row.index for la in labelled if la.role in (Role.subtotal, Role.tax)]
    if not summary or not checks:
        return None
    known = {la.amount.row.index for la in labelled}
    found = [
        a for row in rows[min(summary) + 1 :] if row.index not in known and row.page == rows[min(summary)].page
        for a in amounts_in(row)[-1:] if a.value.amount in checks
    ]
    if len({a.value.amount for a in found}) != 1:
        return None
    return LabelledAmount(Role.total, 1, found[0], "")


__all__ = ["CURRENCY_WORD", "Amount", "LabelledAmount", "Role", "Row", "Token", "TotalChoice", "amounts_in",
           "build_rows", "choose_total", "evidence", "labelled_amounts", "role_of"]
