"""Lab / diagnostic imaging invoice: big INVOICE title, bill-to block, ordering physician (a second, distracting
provider name), collection and report dates (distractors next to the date of service), a ruled table."""

from __future__ import annotations

from claimflow.samples.layouts.common import GRAY, Column, Ctx, colon, diagnoses_block, footer_pages, kv, logo
from claimflow.samples.layouts.common import items_table, patient_block, provider_ids, service_dates_text
from claimflow.samples.layouts.common import totals_block
from claimflow.samples.catalog import FIRST_NAMES, LAST_NAMES

COLUMN_SETS = (
    ("code", "desc", "amount"),
    ("date", "code", "desc", "qty", "amount"),
    ("code", "desc", "qty", "unit", "amount"),
    ("desc", "code", "amount"),
)
HEADERS = {
    "date": ("Collected", "Date", "DOS"), "code": ("Test Code", "CPT", "Code"),
    "desc": ("Test Description", "Test / Procedure", "Description"), "qty": ("Qty", "Units"),
    "unit": ("Fee", "Unit Price"), "amount": ("Amount", "Fee", "Charge"),
}
WIDTHS = {"date": 66, "code": 64, "qty": 34, "unit": 62, "amount": 72}


def build(ctx: Ctx) -> None:
    s, b, rng = ctx.sheet, ctx.bill, ctx.rng
    left = s.margin
    s.y += 6
    w = logo(ctx, left, s.y - 6, 28) if rng.random() < 0.6 else 0
    s.text(left + (w + 10 if w else 0), s.y + 12, b.provider_name, bold=True, size=14, tag="provider.name",
           color=ctx.accent)
    s.text(s.right, s.y + 14, rng.choice(("INVOICE", "Invoice", "PATIENT INVOICE")), bold=True, size=20,
           align="right", color=ctx.accent)
    s.y += 30
    for line in (*b.provider_address, f"Phone {b.provider_phone}  |  Fax {b.provider_fax}"):
        s.text(left, s.y, line, size=s.style.size - 0.5)
        s.y += s.style.size + 2
    s.y = provider_ids(ctx, left, s.y) + 10
    top = s.y
    y1 = patient_block(ctx, left, top, gap=80, title=rng.choice(("BILL TO", "PATIENT", "Patient Information")))
    x2 = s.width / 2 + 20
    lh = s.style.size + 4
    y2 = top
    s.text(x2, y2, rng.choice(("INVOICE DETAILS", "ACCOUNT")), bold=True, color=ctx.accent)
    y2 += lh
    kv(ctx, x2, y2, b.invoice_label, b.invoice_number, tag="invoice_number", gap=96)
    ctx.visible.invoice_number = True
    y2 += lh
    kv(ctx, x2, y2, ctx.label("statement_date"), ctx.d(b.statement_date), gap=96)
    y2 += lh
    lw = s.text(x2, y2, colon(rng.choice(("Collection Date", "Date of Service", "DOS"))), bold=True)
    cur = x2 + max(96, lw + 5)
    for piece, tag in service_dates_text(ctx, b.service_dates, as_range=False):
        cur += s.text(cur, y2, piece, tag=tag)
    y2 += lh
    if rng.random() < 0.6:
        kv(ctx, x2, y2, "Reported", ctx.d(b.service_dates[-1] + (b.statement_date - b.service_dates[-1]) / 2), gap=96)
        y2 += lh
    doc = f"Dr. {rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
    kv(ctx, x2, y2, rng.choice(("Ordering Physician", "Referred by", "Ordering Provider")), doc, gap=96)
    y2 += lh
    s.y = max(y1, y2) + 10
    if b.diagnoses and (rng.random() < 0.85 or any(d.negated for d in b.diagnoses)):
        diagnoses_block(ctx, left, width=s.right - left)
    else:
        ctx.visible.diagnoses = False
    cols = [Column(k, rng.choice(HEADERS[k]), WIDTHS.get(k, 0), "right" if k in ("qty", "unit", "amount") else "left")
            for k in rng.choice(COLUMN_SETS)]
    items_table(ctx, cols, x0=left, x1=s.right, rules=rng.choice(("grid", "header", "zebra", "none")))
    totals_block(ctx, s.width - 250, s.right - 4, boxed_balance=rng.random() < 0.5)
    s.y += 10
    for note in ("Payment terms: net 30 days. A late fee may apply to balances past due.",
                 f"Billing questions: {b.provider_phone}. Results are sent to your ordering provider."):
        s.text(left, s.y, note, size=s.style.size - 1.5, color=GRAY)
        s.y += s.style.size
    if rng.random() < 0.4:
        footer_pages(ctx, lambda i, n: f"Page {i} of {n}")
