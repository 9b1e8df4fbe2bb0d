"""Physician / clinic receipt: one page, provider header, patient and visit blocks, diagnoses, a short table."""

from __future__ import annotations

from claimflow.samples.layouts.common import Column, Ctx, diagnoses_block, footer_pages, info_block, items_table
from claimflow.samples.layouts.common import patient_block, provider_header, stamp, totals_block

TITLES = ("RECEIPT", "PATIENT RECEIPT", "Statement of Services", "SUPERBILL", "Itemized Receipt", "INVOICE")
COLUMN_SETS = (
    ("date", "code", "desc", "qty", "unit", "amount"),
    ("code", "desc", "date", "amount"),
    ("date", "desc", "code", "qty", "amount"),
    ("code", "desc", "qty", "amount"),
    ("desc", "code", "date", "unit", "qty", "amount"),
)
HEADERS = {
    "date": ("Date", "DOS", "Svc Date"), "code": ("CPT", "Code", "CPT/HCPCS", "Proc"),
    "desc": ("Description", "Service", "Procedure"), "qty": ("Qty", "Units"),
    "unit": ("Unit Price", "Rate", "Price"), "amount": ("Amount", "Charge", "Total"),
}
WIDTHS = {"date": 66, "code": 58, "qty": 34, "unit": 62, "amount": 70}


def columns(ctx: Ctx, keys: tuple[str, ...]) -> list[Column]:
    out = []
    for k in keys:
        align = "right" if k in ("qty", "unit", "amount") else "left"
        out.append(Column(k, ctx.rng.choice(HEADERS[k]), WIDTHS.get(k, 0), align))
    return out


def build(ctx: Ctx) -> None:
    s, rng = ctx.sheet, ctx.rng
    left = s.margin
    provider_header(ctx, left, align=rng.choice(("left", "left", "center")), with_logo=rng.random() < 0.6)
    s.hline(left, s.right, s.y, width=1.0, color=ctx.accent)
    s.y += 18
    s.text(left, s.y, rng.choice(TITLES), bold=True, size=s.style.size + 4)
    s.y += 20
    top = s.y
    swap = rng.random() < 0.4
    px, ix = (s.width / 2 + 10, left) if swap else (left, s.width / 2 + 10)
    y1 = patient_block(ctx, px, top, gap=82)
    y2 = info_block(ctx, ix, top, gap=96, as_range=False)
    s.y = max(y1, y2) + 10
    if ctx.bill.diagnoses and (rng.random() < 0.85 or any(d.negated for d in ctx.bill.diagnoses)):
        diagnoses_block(ctx, left, width=s.right - left)
    else:
        ctx.visible.diagnoses = False
    items_table(ctx, columns(ctx, rng.choice(COLUMN_SETS)), x0=left, x1=s.right,
                rules=rng.choice(("grid", "header", "zebra", "none")))
    totals_block(ctx, s.width - 250, s.right - 4, boxed_balance=rng.random() < 0.4)
    if rng.random() < 0.25:
        stamp(ctx, left + 20, s.y + 10, rng.choice(("PAID", "RECEIVED", "COPY")))
        s.y += 30
    notes = (
        f"Questions about this bill? Call {ctx.bill.provider_phone} Mon-Fri 8am-5pm.",
        "Thank you for choosing us for your care.",
        "Please bring this receipt to your next visit. Payment is due upon receipt.",
    )
    s.text(left, min(s.y + 16, s.bottom - 10), rng.choice(notes), size=s.style.size - 1.5)
    if rng.random() < 0.5:
        footer_pages(ctx, lambda i, n: f"Page {i} of {n}")
