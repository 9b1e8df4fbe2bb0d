"""Blocks shared by the layouts: header, party blocks, diagnoses, the line-item table, totals, footers.

Each block draws on a :class:`~claimflow.samples.canvas.Sheet`, tags the runs that show truth values, and records
in :class:`Visible` what it actually printed, so the truth reflects what is on the page.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from claimflow.samples.canvas import BLACK, Color, Sheet
from claimflow.samples.content import Bill
from claimflow.samples.formats import MoneyFormat, format_date

GRAY: Color = (110, 110, 110)
LIGHT: Color = (232, 232, 232)
ACCENTS: tuple[Color, ...] = ((20, 60, 140), (0, 110, 90), (150, 30, 40), (90, 40, 130), (30, 30, 30), (0, 90, 150))


@dataclass
class Visible:
    """What a layout printed (the truth includes only these)."""

    member_id: bool = False
    dob: bool = False
    npi: bool = False
    tax_id: bool = False
    patient_name: bool = False
    invoice_number: bool = False
    item_quantity: bool = False
    item_dates: bool = False
    item_codes: bool = False
    item_descriptions: dict[int, str] = field(default_factory=dict)
    service_dates: set[dt.date] = field(default_factory=set)
    diagnoses: bool = True
    balance_due: bool = True  # a receipt paid at the counter prints no balance


@dataclass
class Ctx:
    bill: Bill
    sheet: Sheet
    rng: random.Random
    date_style: str
    money: MoneyFormat
    accent: Color
    visible: Visible = field(default_factory=Visible)

    def d(self, value: dt.date) -> str:
        return format_date(value, self.date_style)

    def m(self, value: Decimal, *, symbol: bool = True) -> str:
        return self.money(value, symbol=symbol)

    def label(self, key: str) -> str:
        return self.bill.labels[key]


def colon(label: str) -> str:
    return label if label.endswith((":", "#", ".")) else label + ":"


def logo(ctx: Ctx, x: float, y: float, size: float = 30) -> float:
    """A simple mark: a shape with the provider's initials. Returns its width."""
    s = ctx.sheet
    initials = "".join(w[0] for w in ctx.bill.provider_name.replace("&", "").split() if w[:1].isalpha())[:3].upper()
    kind = ctx.rng.randrange(3)
    if kind == 0:
        s.ellipse(x, y, x + size, y + size, stroke=ctx.accent, fill=ctx.accent)
    elif kind == 1:
        s.rect(x, y, x + size, y + size, stroke=ctx.accent, fill=ctx.accent)
    else:  # a cross
        t = size / 3
        s.rect(x + t, y, x + 2 * t, y + size, stroke=None, fill=ctx.accent)
        s.rect(x, y + t, x + size, y + 2 * t, stroke=None, fill=ctx.accent)
        return size
    s.text(x + size / 2, y + size * 0.62, initials, bold=True, size=size * 0.34, align="center", color=(255, 255, 255))
    return size


def provider_header(ctx: Ctx, x: float, *, align: str = "left", name_size: float = 14, with_logo: bool = True) -> None:
    s, b = ctx.sheet, ctx.bill
    y0 = s.y
    if with_logo and align == "left":
        w = logo(ctx, x, y0 - 4, 32)
        x += w + 10
    cx = s.width / 2 if align == "center" else x
    s.text(cx, y0 + 14, b.provider_name, bold=True, size=name_size, align=align, tag="provider.name", color=ctx.accent)
    y = y0 + 14 + name_size * 0.9
    for line in b.provider_address:
        s.text(cx, y, line, align=align, size=s.style.size - 0.5)
        y += s.style.size + 1.5
    phone = f"Tel {b.provider_phone}" + (f"   Fax {b.provider_fax}" if ctx.rng.random() < 0.5 else "")
    s.text(cx, y, phone, align=align, size=s.style.size - 0.5)
    y += s.style.size + 1.5
    y = provider_ids(ctx, cx, y, align=align)
    s.y = y + 4


def provider_ids(ctx: Ctx, x: float, y: float, *, align: str = "left") -> float:
    """NPI and tax id, each on the page only when the bill says so. Returns the next baseline."""
    s, b = ctx.sheet, ctx.bill
    parts: list[tuple[str, str, str]] = []
    if b.print_npi:
        parts.append((colon(ctx.label("npi")), b.npi, "provider.npi"))
        ctx.visible.npi = True
    if b.print_tax_id:
        parts.append((colon(ctx.label("tax_id")), b.tax_id, "provider.tax_id"))
        ctx.visible.tax_id = True
    if not parts:
        return y
    size = s.style.size - 0.5
    total = sum(s.measure(f"{lab} {val}", size=size) for lab, val, _ in parts) + 18 * (len(parts) - 1)
    cur = x - total if align == "right" else (x - total / 2 if align == "center" else x)
    for lab, val, tag in parts:
        w = s.text(cur, y, lab + " ", size=size)
        cur += w
        cur += s.text(cur, y, val, size=size, tag=tag) + 18
    return y + s.style.size + 1.5


def kv(ctx: Ctx, x: float, y: float, label: str, value: str, *, tag: str | None = None, gap: float | None = None,
       bold_label: bool = True, size: float | None = None) -> None:
    """``Label: value`` with the value at ``x + gap`` (or right after the label)."""
    s = ctx.sheet
    lw = s.text(x, y, colon(label), bold=bold_label, size=size)
    vx = x + gap if gap is not None and gap > lw + 4 else x + lw + 5
    s.text(vx, y, value, tag=tag, size=size)


def patient_block(ctx: Ctx, x: float, y: float, *, gap: float = 78, title: str | None = None) -> float:
    s, b = ctx.sheet, ctx.bill
    lh = s.style.size + 4
    if title:
        s.text(x, y, title, bold=True, color=ctx.accent)
        y += lh
    kv(ctx, x, y, ctx.label("patient"), b.patient_name, tag="patient.name", gap=gap)
    ctx.visible.patient_name = True
    y += lh
    if ctx.rng.random() < 0.6:
        for line in b.patient_address:
            s.text(x + gap, y, line, size=s.style.size - 0.5)
            y += lh - 1
    if b.print_dob:
        kv(ctx, x, y, ctx.label("dob"), ctx.d(b.patient_dob), tag="patient.date_of_birth", gap=gap)
        ctx.visible.dob = True
        y += lh
    if b.print_member_id:
        kv(ctx, x, y, b.member_label, b.member_id, tag="patient.member_id", gap=gap)
        ctx.visible.member_id = True
        y += lh
    if ctx.rng.random() < 0.3:
        kv(ctx, x, y, "Phone", b.patient_phone, gap=gap)
        y += lh
    return y


def service_dates_text(ctx: Ctx, dates: tuple[dt.date, ...], *, as_range: bool) -> list[tuple[str, str | None]]:
    """Pieces of a service-date value with their tags: a range prints only its ends."""
    if len(dates) == 1:
        ctx.visible.service_dates.add(dates[0])
        return [(ctx.d(dates[0]), "service_dates[0]")]
    if as_range:
        ctx.visible.service_dates.update((dates[0], dates[-1]))
        return [(ctx.d(dates[0]), "service_dates[0]"), (" - ", None), (ctx.d(dates[-1]), None)]
    ctx.visible.service_dates.update(dates)
    out: list[tuple[str, str | None]] = []
    for i, d in enumerate(dates):
        if i:
            out.append((", ", None))
        out.append((ctx.d(d), "service_dates[0]" if i == 0 else None))
    return out


def info_block(ctx: Ctx, x: float, y: float, *, gap: float = 92, include_due: bool = True,
               include_service: bool = True, as_range: bool = False, size: float | None = None) -> float:
    s, b = ctx.sheet, ctx.bill
    lh = (size or s.style.size) + 4
    kv(ctx, x, y, b.invoice_label, b.invoice_number, tag="invoice_number", gap=gap, size=size)
    ctx.visible.invoice_number = True
    y += lh
    kv(ctx, x, y, ctx.label("statement_date"), ctx.d(b.statement_date), gap=gap, size=size)
    y += lh
    if include_service:
        lw = s.text(x, y, colon(ctx.label("service_date")), bold=True, size=size)
        cur = x + max(gap, lw + 5)
        for piece, tag in service_dates_text(ctx, b.service_dates, as_range=as_range):
            cur += s.text(cur, y, piece, tag=tag, size=size)
        y += lh
    if include_due and ctx.rng.random() < 0.6:
        kv(ctx, x, y, ctx.label("due_date"), ctx.d(b.due_date), gap=gap, size=size)
        y += lh
    return y


def diagnoses_block(ctx: Ctx, x: float, *, width: float) -> None:
    """Diagnoses as code + description, code only or description only; negated ones go to a note."""
    s, b = ctx.sheet, ctx.bill
    positive = [(i, d) for i, d in enumerate(b.diagnoses) if d.mode != "negated_note"]
    notes = [(i, d) for i, d in enumerate(b.diagnoses) if d.mode == "negated_note"]
    lh = s.style.size + 3.5
    if positive:
        s.text(x, s.y, colon(ctx.label("diagnosis")), bold=True)
        s.y += lh
        inline_codes = all(d.mode == "code" for _, d in positive) and ctx.rng.random() < 0.6
        if inline_codes:
            cur = x + 12
            for n, (i, d) in enumerate(positive):
                if n:
                    cur += s.text(cur, s.y, ", ")
                cur += s.text(cur, s.y, d.code, tag=f"diagnoses[{i}]")
            s.y += lh
        else:
            for n, (i, d) in enumerate(positive):
                text = {"code_desc": f"{d.code}  {d.description}", "code": d.code, "desc": d.description}[d.mode]
                if d.mode == "code_desc" and ctx.rng.random() < 0.4:
                    text = f"{d.code} - {d.description}"
                prefix = f"{n + 1}. " if ctx.rng.random() < 0.5 else ""
                _wrapped(ctx, x + 12, prefix + text, width - 12, tag=f"diagnoses[{i}]")
    for i, d in notes:
        prefix = "Note: " if ctx.rng.random() < 0.5 else "Clinical note: "
        _wrapped(ctx, x, prefix + d.note, width, tag=f"diagnoses[{i}]")
    s.y += 4


def _wrapped(ctx: Ctx, x: float, text: str, width: float, *, tag: str | None = None, size: float | None = None) -> None:
    s = ctx.sheet
    words, line = text.split(" "), ""
    for w in words:
        trial = f"{line} {w}".strip()
        if line and s.measure(trial, size=size) > width:
            s.text(x, s.y, line, tag=tag, size=size)
            s.y += (size or s.style.size) + 3.5
            line = w
        else:
            line = trial
    if line:
        s.text(x, s.y, line, tag=tag, size=size)
        s.y += (size or s.style.size) + 3.5


@dataclass(frozen=True)
class Column:
    key: str  # date, code, desc, qty, unit, amount, tooth
    header: str
    width: float
    align: str = "left"


def items_table(
    ctx: Ctx,
    columns: list[Column],
    *,
    x0: float,
    x1: float,
    rules: str,
    on_new_page: Callable[[], None] | None = None,
    extra: Callable[[int], str] | None = None,
    row_gap: float = 4.5,
) -> None:
    """The line-item table. ``rules``: grid, header, zebra or none. Breaks across pages when it runs out of room."""
    s, b = ctx.sheet, ctx.bill
    # Every fixed column is at least as wide as its widest cell (long date formats, big amounts).
    sized = []
    for c in columns:
        if c.key != "desc":
            cells = [_cell(ctx, c.key, item, i, extra) for i, item in enumerate(b.items)]
            need = max([s.measure(t) for t in cells] + [s.measure(c.header, bold=True, size=s.style.size - 0.5)]) + 9
            c = Column(c.key, c.header, max(c.width, round(need, 1)), c.align)
        sized.append(c)
    columns = sized
    fixed = sum(c.width for c in columns if c.key != "desc")
    desc_w = (x1 - x0) - fixed
    xs: list[tuple[Column, float, float]] = []
    cur = x0
    for c in columns:
        w = desc_w if c.key == "desc" else c.width
        xs.append((c, cur, cur + w))
        cur += w
    keys = {c.key for c in columns}
    ctx.visible.item_dates = "date" in keys
    ctx.visible.item_quantity = "qty" in keys
    ctx.visible.item_codes = "code" in keys
    lh = s.style.size + row_gap

    def header() -> None:
        top = s.y
        if rules in ("grid", "zebra", "header"):
            s.rect(x0, top, x1, top + lh + 2, stroke=None, fill=LIGHT if rules != "header" else None)
        for c, a, z in xs:
            hx = z - 3 if c.align == "right" else a + 3
            s.text(hx, top + lh - 3, c.header, bold=True, align="right" if c.align == "right" else "left",
                   size=s.style.size - 0.5)
        s.y = top + lh + 2
        if rules != "none":
            s.hline(x0, x1, s.y, width=0.8)
        s.y += 2

    header()
    start_y = s.y
    for i, item in enumerate(b.items):
        if s.y + lh * 2 > s.bottom - 40:
            _close_grid(ctx, xs, x0, x1, start_y, rules)
            s.new_page()
            if on_new_page:
                on_new_page()
            header()
            start_y = s.y
        top = s.y
        if rules == "zebra" and i % 2 == 1:
            s.rect(x0, top, x1, top + lh, stroke=None, fill=(244, 244, 244))
        base = top + lh - 4
        for c, a, z in xs:
            text = _cell(ctx, c.key, item, i, extra)
            if not text:
                continue
            size = None
            if c.key == "desc":
                text, size = _fit(ctx, text, z - a - 6)
                ctx.visible.item_descriptions[i] = text
            hx = z - 3 if c.align == "right" else a + 3
            s.text(hx, base, text, align="right" if c.align == "right" else "left", tag=f"line_items[{i}]", size=size)
        s.y = top + lh
        if rules == "grid":
            s.hline(x0, x1, s.y, width=0.4, color=GRAY)
    _close_grid(ctx, xs, x0, x1, start_y, rules)
    s.y += 6


def _close_grid(ctx: Ctx, xs: list[tuple[Column, float, float]], x0: float, x1: float, start_y: float,
                rules: str) -> None:
    s = ctx.sheet
    if rules == "grid":
        for _, a, _z in xs:
            s.vline(a, start_y - 4, s.y, width=0.4, color=GRAY)
        s.vline(x1, start_y - 4, s.y, width=0.4, color=GRAY)
    if rules in ("grid", "header", "zebra"):
        s.hline(x0, x1, s.y, width=0.8)


def _cell(ctx: Ctx, key: str, item, i: int, extra: Callable[[int], str] | None) -> str:
    match key:
        case "date":
            return ctx.d(item.service_date) if item.service_date else ""
        case "code":
            return item.code or ""
        case "desc":
            return item.description
        case "qty":
            return str(item.quantity)
        case "unit":
            return ctx.m(item.unit_price, symbol=False)
        case "amount":
            return ctx.m(item.amount, symbol=False)
        case "tooth":
            return extra(i) if extra else ""
    raise ValueError(key)


def _fit(ctx: Ctx, text: str, width: float) -> tuple[str, float | None]:
    """Shrink the font a little, then cut at a word boundary, so the description fits its column."""
    s = ctx.sheet
    size = s.style.size
    while s.measure(text, size=size) > width and size > s.style.size - 1.6:
        size = round(size - 0.4, 2)
    if s.measure(text, size=size) <= width:
        return text, (size if size != s.style.size else None)
    words = text.split(" ")
    while len(words) > 1 and s.measure(" ".join(words), size=size) > width:
        words.pop()
    return " ".join(words).rstrip(",;-"), size


def totals_block(ctx: Ctx, x_label: float, x_value: float, *, show_subtotal: bool | None = None,
                 boxed_balance: bool = False) -> None:
    """Subtotal, tax, total charges, adjustments, payments, previous balance and the balance due."""
    s, b = ctx.sheet, ctx.bill
    lh = s.style.size + 5
    rows: list[tuple[str, str, str | None, bool]] = []
    if show_subtotal is None:
        show_subtotal = b.tax > 0 or ctx.rng.random() < 0.4
    if show_subtotal:
        rows.append((ctx.label("subtotal"), ctx.m(b.subtotal), None, False))
    if b.tax > 0 or (show_subtotal and ctx.rng.random() < 0.3):
        rows.append((ctx.label("tax"), ctx.m(b.tax), None, False))
    rows.append((ctx.label("total"), ctx.money.emphatic(b.total), "total", True))
    if b.adjustment:
        rows.append((ctx.label("adjustment"), ctx.m(-b.adjustment), None, False))
    if b.payment:
        rows.append((ctx.label("payment"), ctx.m(-b.payment), None, False))
    if b.previous_balance:
        rows.append((ctx.label("previous"), ctx.m(b.previous_balance), None, False))
    rows.append((ctx.label("balance"), ctx.money.emphatic(b.balance_due), "balance_due", True))
    if s.y + lh * (len(rows) + 1) > s.bottom - 20:
        s.new_page()
    for label, value, tag, bold in rows:
        if tag == "balance_due" and boxed_balance:
            s.rect(x_label - 6, s.y - 2, x_value + 6, s.y + lh + 2, stroke=BLACK, width=1.0)
        s.text(x_label, s.y + lh - 4, colon(label), bold=bold)
        s.text(x_value, s.y + lh - 4, value, bold=bold, align="right", tag=tag)
        s.y += lh
    s.y += 6


def footer_pages(ctx: Ctx, text: Callable[[int, int], str], *, size: float = 7.5) -> None:
    """``Page i of n`` (or similar) on every page, once the page count is known."""
    s = ctx.sheet
    n = len(s.pages)
    for i, page in enumerate(s.pages):
        cur = s.pages[-1]
        s.pages[-1] = page
        s.text(s.width / 2, s.height - 22, text(i + 1, n), size=size, align="center", color=GRAY)
        s.pages[-1] = cur


def stamp(ctx: Ctx, x: float, y: float, word: str, color: Color = (190, 30, 30)) -> None:
    s = ctx.sheet
    w = s.measure(word, bold=True, size=16)
    s.rect(x - 6, y - 18, x + w + 6, y + 6, stroke=color, width=2.0)
    s.text(x, y, word, bold=True, size=16, color=color)
