"""Dental or vision invoice: a form-like page of labelled boxes, a tooth/eye column, and the procedure table."""

from __future__ import annotations

from claimflow.samples.layouts.common import GRAY, Column, Ctx, colon, diagnoses_block, footer_pages
from claimflow.samples.layouts.common import items_table, provider_header, service_dates_text, stamp, totals_block

TEETH = [str(n) for n in range(1, 33)]
SURFACES = ("O", "MO", "DO", "MOD", "B", "L", "")
EYES = ("OD", "OS", "OU", "")


def _box(ctx: Ctx, x0: float, y0: float, x1: float, label: str, value: str, tag: str | None = None) -> None:
    s = ctx.sheet
    s.rect(x0, y0, x1, y0 + 30, stroke=GRAY, width=0.5)
    s.text(x0 + 4, y0 + 9, label.upper(), size=6.5, color=GRAY)
    s.text(x0 + 4, y0 + 23, value, tag=tag)


def build(ctx: Ctx) -> None:
    s, b, rng = ctx.sheet, ctx.bill, ctx.rng
    left = s.margin
    vision = b.items and b.items[0].code and b.items[0].code[0] in "V9"
    provider_header(ctx, left, align=rng.choice(("left", "center")), with_logo=rng.random() < 0.5)
    s.y += 6
    title = ("VISION SERVICES INVOICE" if vision else "DENTAL SERVICES INVOICE") if rng.random() < 0.5 else (
        "Statement" if rng.random() < 0.5 else "Patient Ledger")
    s.text(left, s.y + 10, title, bold=True, size=s.style.size + 4, color=ctx.accent)
    s.y += 24
    w = (s.right - left) / 3
    y = s.y
    _box(ctx, left, y, left + w, b.labels["patient"].rstrip(":"), b.patient_name, "patient.name")
    ctx.visible.patient_name = True
    if b.print_member_id:
        _box(ctx, left + w, y, left + 2 * w, b.member_label.rstrip(":"), b.member_id, "patient.member_id")
        ctx.visible.member_id = True
    else:
        _box(ctx, left + w, y, left + 2 * w, "Guarantor", b.patient_name)
    if b.print_dob:
        _box(ctx, left + 2 * w, y, s.right, b.labels["dob"], ctx.d(b.patient_dob), "patient.date_of_birth")
        ctx.visible.dob = True
    else:
        _box(ctx, left + 2 * w, y, s.right, "Phone", b.patient_phone)
    y += 30
    _box(ctx, left, y, left + w, b.invoice_label.rstrip(":#. "), b.invoice_number, "invoice_number")
    ctx.visible.invoice_number = True
    # Service date(s) box.
    s.rect(left + w, y, left + 2 * w, y + 30, stroke=GRAY, width=0.5)
    s.text(left + w + 4, y + 9, b.labels["service_date"].upper(), size=6.5, color=GRAY)
    cur = left + w + 4
    dates = b.service_dates
    if s.measure(", ".join(ctx.d(d) for d in dates)) > w - 8:  # only what fits in the box is printed
        dates = dates[:1]
    for piece, tag in service_dates_text(ctx, dates, as_range=False):
        cur += s.text(cur, y + 23, piece, tag=tag)
    _box(ctx, left + 2 * w, y, s.right, b.labels["statement_date"], ctx.d(b.statement_date))
    s.y = y + 48
    if b.diagnoses and (rng.random() < 0.8 or any(d.negated for d in b.diagnoses)):
        diagnoses_block(ctx, left, width=s.right - left)
    else:
        ctx.visible.diagnoses = False
    marks = [rng.choice(EYES) if vision else (rng.choice(TEETH) + " " + rng.choice(SURFACES)).strip()
             for _ in b.items]
    code_header = rng.choice(("Code", "Proc", "CDT" if not vision else "CPT"))
    cols = [Column("date", "Date", 64), Column("code", code_header, 52),
            Column("tooth", "Eye" if vision else rng.choice(("Tooth/Surf", "Tooth")), 58),
            Column("desc", "Description", 0)]
    if rng.random() < 0.5:
        cols.append(Column("qty", "Qty", 32, "right"))
    cols.append(Column("amount", rng.choice(("Fee", "Charge", "Amount")), 70, "right"))
    if rng.random() < 0.4:
        cols = [c for c in cols if c.key != "date"]
    items_table(ctx, cols, x0=left, x1=s.right, rules=rng.choice(("grid", "header", "zebra")),
                extra=lambda i: marks[i])
    totals_block(ctx, s.width - 250, s.right - 4, boxed_balance=rng.random() < 0.5)
    if rng.random() < 0.3:
        stamp(ctx, left + 10, s.y + 10, rng.choice(("PAID", "INSURANCE FILED", "COPY")))
        s.y += 30
    s.text(left, min(s.y + 14, s.bottom - 10), colon("Next appointment") + " " + ctx.d(b.statement_date.replace(
        day=min(b.statement_date.day, 28)) if rng.random() < 0.5 else b.due_date), size=s.style.size - 1, color=GRAY)
    if rng.random() < 0.5:
        footer_pages(ctx, lambda i, n: f"Page {i} of {n}")
