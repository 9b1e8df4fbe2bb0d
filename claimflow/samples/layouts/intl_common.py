"""Blocks the Indian and South-East Asian layouts share: the rupee sign only where the font draws it, a table of some
of the bill's items (a section of a hospital bill, the drug lines of a memo), and label/value rows."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from functools import cache

from claimflow.samples import fonts
from claimflow.samples.canvas import BLACK, Style
from claimflow.samples.content_intl import IntlBill
from claimflow.samples.layouts.common import GRAY, LIGHT, Column, Ctx, _cell, _fit, colon


@cache
def draws_rupee(font: str) -> bool:
    """Whether ``font`` has a glyph for ₹ (DejaVu and FreeFont do; Liberation does not)."""
    f = fonts.pil_font(font, 40)
    return bytes(f.getmask("\u20b9")) != bytes(f.getmask("\U0010fffd"))


def fit_money(ctx: Ctx) -> None:
    """Print Rs. instead of ₹ when the document's font has no rupee glyph (a real printer would not print a box)."""
    s = ctx.sheet
    if ctx.money.style == "inr_sym" and not (draws_rupee(s.style.regular) and draws_rupee(s.style.bold)):
        ctx.money = replace(ctx.money, style="inr_rs")


def bill_of(ctx: Ctx) -> IntlBill:
    b = ctx.bill
    if not isinstance(b, IntlBill):
        raise TypeError(f"layout {b.layout!r} needs an IntlBill, got {type(b).__name__}")
    return b


def cell(ctx: Ctx, key: str, i: int, serial: int, extra: dict[str, list[str]] | None = None) -> str:
    if key == "sno":
        return str(serial)
    if extra and key in extra:
        return extra[key][i]
    return _cell(ctx, "unit" if key == "rate" else key, ctx.bill.items[i], i, None)


def table(ctx: Ctx, columns: list[Column], indices: tuple[int, ...], *, x0: float, x1: float, rules: str,
          start_serial: int = 1, header: bool = True, extra: dict[str, list[str]] | None = None,
          on_new_page: Callable[[], None] | None = None, row_gap: float = 4.0, reserve: float = 40) -> int:
    """Rows for ``indices`` of the bill's items; the fixed columns sized to their widest cell, the description
    taking the rest. Breaks across pages, repeating the header. Returns the next serial number."""
    s = ctx.sheet
    sized = []
    for c in columns:
        if c.key != "desc":
            cells = [cell(ctx, c.key, i, start_serial + n, extra) for n, i in enumerate(indices)]
            need = max([s.measure(t) for t in cells] + [s.measure(c.header, bold=True, size=s.style.size - 0.5)]) + 9
            c = Column(c.key, c.header, max(c.width, round(need, 1)), c.align)
        sized.append(c)
    fixed = sum(c.width for c in sized if c.key != "desc")
    xs: list[tuple[Column, float, float]] = []
    cur = x0
    for c in sized:
        w = (x1 - x0) - fixed if c.key == "desc" else c.width
        xs.append((c, cur, cur + w))
        cur += w
    lh = s.style.size + row_gap

    def head() -> None:
        top = s.y
        if rules in ("grid", "shaded"):
            s.rect(x0, top, x1, top + lh + 2, stroke=None, fill=LIGHT)
        for c, a, z in xs:
            right = c.align == "right"
            s.text(z - 3 if right else a + 3, top + lh - 3, c.header, bold=True, align="right" if right else "left",
                   size=s.style.size - 0.5)
        s.y = top + lh + 2
        if rules != "none":
            s.hline(x0, x1, s.y, width=0.7)
        s.y += 2

    if header:
        head()
    serial = start_serial
    for i in indices:
        if s.y + lh * 2 > s.bottom - reserve:
            if rules != "none":
                s.hline(x0, x1, s.y, width=0.7)
            s.new_page()
            if on_new_page:
                on_new_page()
            head()
        base = s.y + lh - 4
        for c, a, z in xs:
            text = cell(ctx, c.key, i, serial, extra)
            if not text:
                continue
            size = None
            tag = f"line_items[{i}]" if c.key in ("desc", "qty", "amount", "date", "rate") else None
            if c.key == "desc":
                text, size = _fit(ctx, text, z - a - 6)
                ctx.visible.item_descriptions[i] = text
            right = c.align == "right"
            s.text(z - 3 if right else a + 3, base, text, align="right" if right else "left", tag=tag, size=size)
        s.y += lh
        serial += 1
        if rules == "grid":
            s.hline(x0, x1, s.y, width=0.3, color=GRAY)
    keys = {c.key for c in columns}
    ctx.visible.item_quantity = "qty" in keys
    ctx.visible.item_dates = ctx.visible.item_dates or "date" in keys
    return serial


def money_row(ctx: Ctx, x_label: float, x_value: float, label: str, value: Decimal, *, tag: str | None = None,
              bold: bool = False, emphatic: bool = False, size: float | None = None, box: bool = False) -> None:
    """One ``Label: amount`` row of a totals block, at the cursor; moves the cursor down."""
    s = ctx.sheet
    lh = (size or s.style.size) + 5
    text = ctx.money.emphatic(value) if emphatic else ctx.m(value, symbol=False)
    if box:
        s.rect(x_label - 6, s.y - 1, x_value + 6, s.y + lh + 2, stroke=BLACK, width=1.0)
    s.text(x_label, s.y + lh - 4, colon(label) if not label.endswith(")") else label, bold=bold, size=size)
    s.text(x_value, s.y + lh - 4, text, bold=bold, align="right", tag=tag, size=size)
    s.y += lh


def intl_style(rng: random.Random, layout: str, *, thermal: bool) -> Style:
    """Font and size of an Indian / South-East Asian document: a monospace face on thermal strips and on some
    dot-matrix style memos, a proportional one elsewhere."""
    if thermal or (layout == "pharmacy_in" and rng.random() < 0.3):
        reg, bold = rng.choice(fonts.MONOSPACE)
        return Style(reg, bold, size=rng.choice((7.0, 7.5, 8.0)))
    reg, bold = rng.choice(fonts.PROPORTIONAL)
    return Style(reg, bold, size=rng.choice((8.0, 8.5, 9.0, 9.5)))


#: A4, A5, half-A4 landscape and thermal strips (width, height) in points; a strip is cut to length after layout
A4, A5, HALF_A4, STRIP = (595.0, 842.0), (420.0, 595.0), (595.0, 421.0), (227.0, 1600.0)


def intl_paper(rng: random.Random, layout: str) -> tuple[float, float]:
    if layout == "hospital_in":
        return A4
    if layout == "pharmacy_in":
        r = rng.random()
        return A5 if r < 0.45 else (HALF_A4 if r < 0.65 else (A4 if r < 0.75 else STRIP))
    return A5 if rng.random() < 0.55 else (rng.choice((204.0, 227.0, 252.0)), 1600.0)
