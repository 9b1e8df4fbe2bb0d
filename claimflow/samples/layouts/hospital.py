"""Itemized hospital statement: account summary box, admission/discharge, a long itemized table over several pages,
an account summary and a detachable remittance stub repeating the amount due (a distractor for the total)."""

from __future__ import annotations

from claimflow.samples.layouts.common import GRAY, LIGHT, Column, Ctx, colon, diagnoses_block, footer_pages, kv
from claimflow.samples.layouts.common import items_table, patient_block, provider_header, service_dates_text
from claimflow.samples.layouts.common import totals_block

TITLES = ("ITEMIZED STATEMENT", "Itemized Hospital Statement", "PATIENT ACCOUNT STATEMENT", "Detailed Bill")
COLUMN_SETS = (
    ("date", "code", "desc", "qty", "amount"),
    ("date", "code", "desc", "qty", "unit", "amount"),
    ("code", "date", "desc", "qty", "amount"),
    ("date", "desc", "code", "amount"),
)
HEADERS = {
    "date": ("Date", "Svc Date", "Post Date"), "code": ("Code", "Rev/CPT", "CPT/Rev"),
    "desc": ("Description", "Description of Service", "Service"), "qty": ("Qty", "Units"),
    "unit": ("Rate", "Unit Chg"), "amount": ("Charges", "Amount", "Total Charges"),
}
WIDTHS = {"date": 64, "code": 52, "qty": 34, "unit": 64, "amount": 72}


def build(ctx: Ctx) -> None:
    s, b, rng = ctx.sheet, ctx.bill, ctx.rng
    left = s.margin
    provider_header(ctx, left, align="left", name_size=15, with_logo=rng.random() < 0.7)
    # Account summary box, top right: shows the balance due early (a distractor for the total).
    bx0, by0 = s.width - 230, s.margin
    s.rect(bx0, by0, s.right, by0 + 64, stroke=GRAY, fill=LIGHT if rng.random() < 0.5 else None)
    y = by0 + 14
    kv(ctx, bx0 + 8, y, b.invoice_label, b.invoice_number, tag="invoice_number", gap=82, size=s.style.size - 0.5)
    ctx.visible.invoice_number = True
    y += 14
    kv(ctx, bx0 + 8, y, ctx.label("statement_date"), ctx.d(b.statement_date), gap=82, size=s.style.size - 0.5)
    y += 14
    kv(ctx, bx0 + 8, y, ctx.label("balance"), ctx.money.emphatic(b.balance_due), gap=82, size=s.style.size - 0.5)
    s.y = max(s.y, by0 + 70) + 6
    s.hline(left, s.right, s.y, width=1.2, color=ctx.accent)
    s.y += 18
    s.text(left, s.y, rng.choice(TITLES), bold=True, size=s.style.size + 4)
    s.y += 20
    top = s.y
    y1 = patient_block(ctx, left, top, gap=80)
    x2 = s.width / 2 + 20
    lh = s.style.size + 4
    y2 = top
    dates = b.service_dates
    if len(dates) > 1 and rng.random() < 0.7:
        kv(ctx, x2, y2, "Admit Date", ctx.d(dates[0]), tag="service_dates[0]", gap=86)
        y2 += lh
        kv(ctx, x2, y2, "Discharge Date", ctx.d(dates[-1]), gap=86)
        y2 += lh
        ctx.visible.service_dates.update((dates[0], dates[-1]))
    else:
        lw = s.text(x2, y2, colon(ctx.label("service_date")), bold=True)
        cur = x2 + max(86, lw + 5)
        for piece, tag in service_dates_text(ctx, dates, as_range=True):
            cur += s.text(cur, y2, piece, tag=tag)
        y2 += lh
    kv(ctx, x2, y2, "Patient Type", rng.choice(("Inpatient", "Outpatient", "Emergency", "Observation")), gap=86)
    y2 += lh
    initial = rng.choice(("A.", "J.", "M.", "R.", "S."))
    attending = f"Dr. {initial} {rng.choice(('Patel', 'Okafor', 'Chen', 'Moreau', 'Lindqvist'))}"
    kv(ctx, x2, y2, "Attending", attending, gap=86)
    y2 += lh
    s.y = max(y1, y2) + 8
    if b.diagnoses and (rng.random() < 0.9 or any(d.negated for d in b.diagnoses)):
        diagnoses_block(ctx, left, width=s.right - left)
    else:
        ctx.visible.diagnoses = False
    keys = rng.choice(COLUMN_SETS)
    cols = [Column(k, rng.choice(HEADERS[k]), WIDTHS.get(k, 0), "right" if k in ("qty", "unit", "amount") else "left")
            for k in keys]

    def continued() -> None:
        s.text(left, s.y + 10, f"{b.provider_name} - {b.invoice_label} {b.invoice_number} (continued)",
               size=s.style.size - 1, color=GRAY)
        s.y += 26

    items_table(ctx, cols, x0=left, x1=s.right, rules=rng.choice(("grid", "header", "zebra")), on_new_page=continued,
                row_gap=rng.choice((3.5, 4.5)))
    s.text(left, s.y + 6, "ACCOUNT SUMMARY", bold=True)
    s.y += 10
    totals_block(ctx, s.width - 260, s.right - 4, show_subtotal=False, boxed_balance=True)
    # Remittance stub.
    if s.y + 90 < s.bottom:
        y = max(s.y + 20, s.bottom - 80)
        for x in range(int(left), int(s.right), 8):
            s.hline(x, x + 4, y, width=0.5, color=GRAY)
        y += 14
        s.text(left, y, "Please detach and return this portion with your payment.", size=s.style.size - 1.5)
        y += 14
        kv(ctx, left, y, "Account", b.invoice_number, size=s.style.size - 0.5)
        kv(ctx, s.width / 2, y, "Amount Due", ctx.money.emphatic(b.balance_due), size=s.style.size - 0.5)
        y += 14
        kv(ctx, left, y, "Amount Enclosed", "__________", size=s.style.size - 0.5)
        s.y = y
    footer_pages(ctx, lambda i, n: rng.choice((f"Page {i} of {n}", f"{i}/{n}", f"- {i} -")) if i == 1 else
                 f"Page {i} of {n}")
