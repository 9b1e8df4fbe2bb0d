"""Page layout from word boxes: rows, cells and labelled amounts (money roles); the total is chosen from these in
``extractors.total``.

Rows are rebuilt from the words' boxes (vertical overlap), not from the OCR engine's line numbers, because table
columns often come back as separate text blocks. Everything here is pure: OCR words in, layout values out.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
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
    handwriting: float | None = None  # log odds that the word was written by hand (None: not scored)

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
        toks = [Token(0, w.text.strip(), page.number, w.bbox, w.confidence, -1, w.handwriting) for w in words]
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
        groups = _join_engine_lines(groups, {id(t): (w.block, w.line) for t, w in zip(toks, words)})
        groups.sort(key=lambda g: statistics.median(x.yc for x in g))
        for g in groups:
            g.sort(key=lambda t: t.bbox.x0)
            placed_tokens = []
            for t in g:
                placed_tokens.append(Token(index, t.text, t.page, t.bbox, t.confidence, len(rows), t.handwriting))
                index += 1
            rows.append(Row(len(rows), page.number, tuple(placed_tokens)))
    return rows


def _join_engine_lines(groups: list[list[Token]], line_of: dict[int, tuple[int, int]]) -> list[list[Token]]:
    """Join rows that hold words of one line as the OCR engine read it.

    On a photo in perspective a line of text slopes, and the slope changes down the page: a label at the left and its
    amount at the right edge no longer overlap vertically ("SUB-TOTAL" 21 px below its "62.64"), and the overlap rule
    puts them on different rows. The engine traced that line's baseline and read it as one; its word boxes alone do
    not show it. Two rows are joined only when they lie within a line height of each other and no word of one sits
    over a word of the other (a row is one line across the page, not two stacked)."""
    parent = list(range(len(groups)))
    members = [list(g) for g in groups]  # the tokens of each joined row, kept at its root

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first: dict[tuple[int, int], int] = {}
    for gi, g in enumerate(groups):
        for t in g:
            a, b = root(first.setdefault(line_of[id(t)], gi)), root(gi)
            if a != b and _joinable(members[a], members[b]):
                parent[b] = a
                members[a] += members[b]
    return [members[gi] for gi in range(len(groups)) if root(gi) == gi]


def _joinable(a: list[Token], b: list[Token]) -> bool:
    height = statistics.median(t.height for t in a + b)
    if abs(statistics.median(t.yc for t in a) - statistics.median(t.yc for t in b)) > 1.5 * height:
        return False
    return not any(min(s.bbox.x1, t.bbox.x1) - max(s.bbox.x0, t.bbox.x0) > 0 for s in a for t in b)


# --- money in rows ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Amount:
    value: MoneyValue
    tokens: tuple[Token, ...]
    row: Row

    @property
    def x1(self) -> float:
        return max(t.bbox.x1 for t in self.tokens)


CURRENCY_WORD = re.compile(r"^(?:\$|US\$|CA\$|C\$|S\$|RM|RH|MYR|USD|EUR|€|£|GBP|CAD|SGD|INR|RS\.?|₹)$", re.I)


def amounts_in(row: Row) -> list[Amount]:
    """Money values printed in a row, left to right. A currency sign or a split thousands group may be its own word."""
    cached = _amounts_in(row)
    if not cached or cached[0].row is row:
        return list(cached)
    # read before off an equal row of an earlier call: rebind to this call's row and tokens, which the callers'
    # per-call memos (keyed by identity) know — else a second extraction of the same OCR reads differently
    by_index = {t.index: t for t in row.tokens}
    return [Amount(a.value, tuple(by_index[t.index] for t in a.tokens), row) for a in cached]


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
            if n > 1 and not all(_DIGIT.search(t.text) or _is_sign(t.text) for t in group):
                continue  # a stray "|" or letter glued on would be read as a digit: "| 112.46" is not 1112.46
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


_DIGIT = re.compile(r"\d")


def _is_sign(text: str) -> bool:
    """Whether a word without digits may still belong to an amount: a currency, a minus, a parenthesis or a credit
    mark ("( 47.70)", "($ 7,653.90)", "38.82 CR")."""
    t = text.strip("()-\u2212")
    return not t or bool(CURRENCY_WORD.match(t)) or t.upper() == "CR"


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
#: A total printed after cash rounding ("Total After Adj", "After Rounding") is the total, not an adjustment; a total
#: "(Excluding GST)" is a subtotal, one "(Inclusive of GST)" the total, however the words between are spelt
#: ("Total Sales (Excluding GST)"); the gross amount is the amount before tax; totals of points, quantities, counts or
#: savings are not money totals.
_ROLE_LABELS: tuple[tuple[Role, int, re.Pattern[str]], ...] = (
    (Role.previous, 0, re.compile(
        r"\b(?:previous|prior|prev\.?)\s+bal(?:ance)?\b|\bbal(?:ance)?\s+(?:forward|fwd|b/?f)\b", re.I)),
    (Role.total, 0, re.compile(
        r"\btotal\s+after\b|\bafter\s+(?:round\w*|adj\w*)|\btotal\s*rounded\b|\brounded\s*total\b", re.I)),
    (Role.payment, 0, re.compile(
        r"\b(?:payments?|paid|tendered|cash|change|visa|master\s*card|credit\s+card|card|deposit|refund|advance|"
        r"amount\s+received)\b", re.I)),
    (Role.balance, 0, re.compile(
        r"\b(?:balance|(?:amount|amt\.?)\s+due?|due\s+amount|please\s+pay|pay\s+this|patient\s+(?:responsibility|owes)|"
        r"you\s+owe|amount\s+owed|total\s+due|you\s+pay|patient\s+pays?)\b|\b[b8][aeo0][l1i][ae]n[cs]e\b|"
        r"(?<!past\s)\bdue\s*:", re.I)),  # a pharmacy's "YOU PAY"; "Bolance"; "it Due: USD 239.18" ("Amount" misread)
    (Role.adjustment, 0, re.compile(
        r"\b(?:adjust\w*|discount\w*|concession|write[-\s]?off|allowance|rounding|round(?:ed)?\s*(?:adj|off)|r/off|"
        r"coupon|savings?)\b", re.I)),
    (Role.subtotal, 0, re.compile(
        r"\bsub\s*-?\s*total\b|\btotal\b[^\d]{0,25}?\b(?:before|excl\w*|exc\.?|w/o|ex)\b|"
        r"\bgross\s+(?:bill\s+)?(?:amount|amt|total)\b|\btotal\s+mrp\b",  # MRP: India's list price, before discount
        re.I)),
    (Role.total, 0, re.compile(
        r"\b(?:amount|total|nett?)\s+payable\b|\btotal\s+(?:charges?|billed|bill)\b|\bnett?\s+(?:bill\s+)?(?:amount|amt)\b|\b(?:amount|charges?)\s+billed\b|"
        r"\bcharges?\s+total\b|\btotal\s+amount\b(?!\s+(?:due|paid))|\bgrand\s*total\b|\bnett?\s*total\b|"
        r"\btotal\s+(?:sales|payable|rm|\(rm\)|myr|usd)\b|"
        r"\btotal\b[^\d]{0,25}?(?:\bincl|\binc\b|(?<!ex)(?<!exc)clusive)",
        re.I)),
    (Role.tax, 0, re.compile(r"\b(?:tax|vat|gst|sst|service\s+charge)\b", re.I)),
    (Role.total, 1, re.compile(
        r"\btotal\b(?!\s*(?:qty|quantity|items?|units?|no\.?|pcs|savings?|tax|gst|points?|pts|count|weight|"
        r"disc\w*)\b)|\bbill\s+(?:amt|amount)\b|"
        r"\bbilled\b(?!\s*(?:to|on|date)\b)", re.I)),  # "Total Billed" with "Total" misread past repair ("Tal Billed")
)
_TOTAL_TYPO = re.compile(r"(?:\b|(?<=sub))(?:t[o0a]t[a4i]l|tota[1it!|]|tota|otal|t0tal|[jilf1|]otal)(?=\W|$)", re.I)
#: Words OCR glued together on receipts: "TotalAmount", "SubTotal", "NetTotal" read as two words.
_GLUED = re.compile(r"\b(total|sub|net|grand|amount)(?=(?:total|amount|amt|sales|due|payable|incl|excl)\b)", re.I)
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
            garbled = _garbled_amount(row)
            if garbled is not None:
                out.append(garbled)
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
        if (role is None and k > 0 and rows[k - 1].page == row.page and not amounts_in(rows[k - 1])
                and len(label.split()) <= _MAX_CONTINUED_LABEL):
            label = f"{rows[k - 1].text} {label}"  # a label broken over two rows: "Total:" / "Charges: $722.92"
            role = role_of(label)
        if role is None:
            continue
        out.append(LabelledAmount(role[0], role[1], amounts[-1], label))
    return out


#: A label broken over two rows ends in a word or two ("Charges:"); a longer text under a label-only row is a table
#: row under its column header ("CPT Description Total" / "99213 Office visit ... 85.00"), not the rest of a label.
_MAX_CONTINUED_LABEL = 3


def _garbled_amount(row: Row) -> LabelledAmount | None:
    """A summary row whose amount OCR garbled past the strict reading: "Grand Total ~\"92 80" (cents split off by a
    space, a quote glued on), "NET TOTAL 174.9" (the last cent lost), "TOTAL CHARGES USD 33". Read leniently
    (``parse_money(lenient=True)``, flagged as repaired) from the last one or two words, only when the words before
    them carry a role label, so that quantities and codes in other rows are never read this way."""
    toks = row.tokens
    for n in (2, 1):
        if len(toks) <= n:
            continue
        group = toks[-n:]
        if n == 2 and not _adjacent(group):
            continue
        value = parse_money(" ".join(t.text for t in group), lenient=True)
        before = toks[:-n]
        if value is None and n == 1 and len(toks) > 2 and CURRENCY_WORD.match(toks[-2].text):
            value = parse_money(f"{toks[-2].text} {toks[-1].text}", lenient=True)  # "USD 33": a whole amount
            before = toks[:-2]
        if value is None:
            continue
        label = " ".join(t.text for t in before if not CURRENCY_WORD.match(t.text))
        role = role_of(label) if re.search(r"[A-Za-z]{2}", label) else None
        if role is not None:
            return LabelledAmount(role[0], role[1], Amount(value, tuple(group), row), label)
    return None


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


__all__ = ["CURRENCY_WORD", "Amount", "LabelledAmount", "Role", "Row", "Token", "amounts_in", "build_rows", "evidence",
           "labelled_amounts", "role_of"]
