"""Indian hospital final bill (in-patient): hospital header with GSTIN, a patient grid (UHID, IP number, admission
and discharge, consultant, TPA and policy number), the charges by section — room, consultation, procedures / OT,
laboratory, radiology, pharmacy — each with its sub-total, over several pages; on the last page a bill summary, GST
where a room above Rs. 5,000 a day attracts it, the grand total, discount, advance paid and the balance payable, and
the amount in words."""

from __future__ import annotations

from decimal import Decimal

from claimflow.samples.content_intl import words_indian
from claimflow.samples.layouts.common import GRAY, LIGHT, Column, Ctx, colon, diagnoses_block, footer_pages, kv, logo
from claimflow.samples.layouts.common import stamp
from claimflow.samples import catalog_intl as cat
from claimflow.samples.layouts.intl_common import bill_of, fit_money, money_row, table

TITLES = ("FINAL BILL", "IN-PATIENT FINAL BILL", "IPD BILL CUM RECEIPT", "DETAILED BILL", "INPATIENT BILL",
          "FINAL SETTLEMENT BILL")
COLUMN_SETS = (
    ("sno", "date", "desc", "qty", "rate", "amount"),
    ("sno", "desc", "qty", "rate", "amount"),
    ("date", "desc", "rate", "qty", "amount"),
    ("sno", "desc", "date", "qty", "amount"),
    ("desc", "qty", "rate", "amount"),
)
HEADERS = {
    "sno": ("S.No", "Sr.", "#", "Sl."), "date": ("Date", "Srv. Date", "Dt."),
    "desc": ("Particulars", "Description", "Service Name", "Item / Service"), "qty": ("Qty", "Units", "Nos"),
    "rate": ("Rate", "Unit Rate", "Price"), "amount": ("Amount", "Amount (Rs.)", "Net Amt", "Total"),
}
WIDTHS = {"sno": 28, "date": 60, "qty": 32, "rate": 58, "amount": 70}
SUBTOTAL_WORDS = ("Sub Total", "Section Total", "Total", "Sub-Total")


def _header(ctx: Ctx, *, first: bool) -> None:
    s, b = ctx.sheet, bill_of(ctx)
    left = s.margin
    centered = ctx.rng.random() < 0.5 if first else True
    if first and not centered and ctx.rng.random() < 0.7:
        logo(ctx, left, s.y - 2, 34)
        left += 44
    cx, align = (s.width / 2, "center") if centered else (left, "left")
    size = s.style.size
    if first:
        s.text(cx, s.y + 14, b.provider_name.upper() if ctx.rng.random() < 0.5 else b.provider_name, bold=True,
               size=size + 6, align=align, tag="provider.name", color=ctx.accent)
        y = s.y + 14 + size + 4
        for line in b.provider_address:
            s.text(cx, y, line, align=align, size=size - 0.5)
            y += size + 1.5
        s.text(cx, y, f"Ph: {b.provider_phone}   Email: {b.extras['email']}", align=align, size=size - 1)
        y += size + 1.5
        s.text(cx, y, f"GSTIN: {b.extras['gstin']}", align=align, size=size - 1)
        s.y = y + 8
    else:
        s.text(cx, s.y + 10, b.provider_name, bold=True, size=size + 1, align=align)
        s.y += 18
    s.hline(s.margin, s.right, s.y, width=1.0, color=ctx.accent)
    s.y += 6


def _patient_grid(ctx: Ctx) -> None:
    s, b, rng = ctx.sheet, bill_of(ctx), ctx.rng
    L = cat.IN_LABELS
    left, mid = s.margin, s.width / 2 + 10
    lh = s.style.size + 5
    gap = 92
    leftcol: list[tuple[str, str, str | None]] = [
        (rng.choice(L["patient"]), b.patient_name, "patient.name"),
        (rng.choice(L["uhid"]), b.extras["uhid"], None),
        (rng.choice(L["ipno"]), b.extras["ip_no"], None),
        ("Age / Sex", b.extras["age_sex"], None),
    ]
    ctx.visible.patient_name = True
    if b.print_dob:
        leftcol.append(("Date of Birth", ctx.d(b.patient_dob), "patient.date_of_birth"))
        ctx.visible.dob = True
    leftcol.append(("Consultant", f"{b.extras['doctor']} ({b.extras['specialty']})", None))
    rightcol: list[tuple[str, str, str | None]] = [
        (b.invoice_label, b.invoice_number, "invoice_number"),
        (rng.choice(L["bill_date"]), ctx.d(b.statement_date) + (f" {rng.randint(9, 20):02d}:{rng.randrange(60):02d}"
                                                                 if rng.random() < 0.5 else ""), None),
        (rng.choice(L["admit"]), ctx.d(b.service_dates[0]), "service_dates[0]"),
        (rng.choice(L["discharge"]), ctx.d(b.service_dates[-1]), None),
        ("Bed No.", b.extras["bed"], None),
    ]
    ctx.visible.invoice_number = True
    ctx.visible.service_dates.update((b.service_dates[0], b.service_dates[-1]))
    if b.print_member_id:
        rightcol.append(("TPA / Insurer", b.extras["tpa"], None))
        rightcol.append((b.member_label, b.member_id, "patient.member_id"))
        ctx.visible.member_id = True
    if rng.random() < 0.5:
        leftcol, rightcol = rightcol, leftcol
    top = s.y + 4
    if rng.random() < 0.5:
        s.rect(left - 4, top - 2, s.right + 4, top + lh * max(len(leftcol), len(rightcol)) + 6, stroke=GRAY)
    y = top + lh
    for label, value, tag in leftcol:
        kv(ctx, left, y - 4, label, value, tag=tag, gap=gap)
        y += lh
    y2 = top + lh
    for label, value, tag in rightcol:
        kv(ctx, mid, y2 - 4, label, value, tag=tag, gap=gap)
        y2 += lh
    s.y = max(y, y2) + 4


def build(ctx: Ctx) -> None:
    fit_money(ctx)
    s, b, rng = ctx.sheet, bill_of(ctx), ctx.rng
    left = s.margin
    _header(ctx, first=True)
    s.text(s.width / 2, s.y + 12, rng.choice(TITLES), bold=True, size=s.style.size + 3, align="center")
    s.y += 20
    _patient_grid(ctx)
    if b.diagnoses and rng.random() < 0.8:
        diagnoses_block(ctx, left, width=s.right - left)
    else:
        ctx.visible.diagnoses = not b.diagnoses
    keys = rng.choice(COLUMN_SETS)
    cols = [Column(k, rng.choice(HEADERS[k]), WIDTHS.get(k, 0), "right" if k in ("qty", "rate", "amount") else "left")
            for k in keys]
    rules = rng.choice(("grid", "shaded", "header", "none"))
    row_gap = rng.choice((4.0, 5.0, 6.0))
    repeat_header = rng.random() < 0.5
    sub_word = rng.choice(SUBTOTAL_WORDS)
    amount_x = s.right - 3

    def continued() -> None:
        if repeat_header:
            _header(ctx, first=False)
        else:
            s.y += 8
        s.text(left, s.y + 6, rng.choice(("(Contd...)", "Continued from previous page", "contd.")),
               size=s.style.size - 1, color=GRAY)
        s.y += 14

    serial = 1
    table_header = True
    for n, (_key, title, indices) in enumerate(b.sections):
        if s.y + (s.style.size + 6) * 4 > s.bottom - 40:
            s.new_page()
            continued()
            table_header = True
        if rules in ("grid", "shaded"):
            s.rect(left, s.y + 2, s.right, s.y + s.style.size + 8, stroke=None, fill=LIGHT)
        s.text(left + 3, s.y + s.style.size + 4, title, bold=True)
        s.y += s.style.size + 10
        header_here = table_header or rng.random() < 0.3
        serial = table(ctx, cols, indices, x0=left, x1=s.right, rules=rules, start_serial=serial,
                       header=header_here, on_new_page=continued, row_gap=row_gap)
        table_header = False
        amount = sum((b.items[i].amount for i in indices), Decimal("0.00"))
        word = sub_word if sub_word != "Total" else f"Total {title.title()}"
        s.text(amount_x - 90, s.y + s.style.size + 2, colon(word), bold=True, align="right")
        s.text(amount_x, s.y + s.style.size + 2, ctx.m(amount, symbol=False), bold=True, align="right")
        s.y += s.style.size + 10
        if n < len(b.sections) - 1 and rules != "none":
            s.hline(left, s.right, s.y - 3, width=0.4, color=GRAY)
    # the summary: on a page of its own when the bill prints one, else after the last section
    rows = len(b.sections) + 8 + len(b.tax_lines)
    if rng.random() < 0.35 or s.y + rows * (s.style.size + 6) + 80 > s.bottom:
        s.new_page()
        continued()
    s.y += 8
    xl, xv = s.width - 300, s.right - 4
    if rng.random() < 0.7:
        s.text(left, s.y + s.style.size, rng.choice(("BILL SUMMARY", "Summary of Charges", "ABSTRACT OF BILL")),
               bold=True)
        s.y += s.style.size + 8
        for _key, title, indices in b.sections:
            amount = sum((b.items[i].amount for i in indices), Decimal("0.00"))
            money_row(ctx, left + 10, xv, title.title(), amount)
        s.hline(xl - 6, s.right, s.y + 2, width=0.6)
        s.y += 4
    labels = cat.IN_LABELS
    if b.payment or rng.random() < 0.4:
        total_label = rng.choice(labels["total"])
    else:
        total_label = rng.choice(labels["total"] + labels["total_payable"])
    if b.tax_lines or b.adjustment:
        money_row(ctx, xl, xv, rng.choice(labels["gross"]), b.subtotal)
    for label, value in b.tax_lines:
        money_row(ctx, xl, xv, label, value)
    if b.adjustment:
        money_row(ctx, xl, xv, rng.choice(labels["discount"]), b.adjustment)
    money_row(ctx, xl, xv, total_label, b.total, tag="total", bold=True, emphatic=True, size=s.style.size + 1)
    show_balance = bool(b.payment)
    if show_balance:
        money_row(ctx, xl, xv, rng.choice(labels["advance"]), b.payment)
        money_row(ctx, xl, xv, rng.choice(labels["balance"]), b.balance_due, tag="balance_due", bold=True,
                  emphatic=True, box=rng.random() < 0.4)
    ctx.visible.balance_due = show_balance
    s.y += 6
    words = b.extras["words"] if rng.random() < 0.6 or not b.balance_due else words_indian(b.balance_due)
    s.text(left, s.y + s.style.size, rng.choice(labels["words"]), bold=True)
    s.y += s.style.size + 4
    s.text(left + 10, s.y + s.style.size, words, size=s.style.size - 0.5)
    s.y += s.style.size + 18
    if rng.random() < 0.3:
        stamp(ctx, left + 20, s.y + 14, rng.choice(("PAID", "CASHLESS", "DUPLICATE")))
        s.y += 26
    s.text(s.right, s.y + 24, "Authorised Signatory", align="right", size=s.style.size - 0.5)
    s.text(left, s.y + 24, rng.choice(("This is a computer generated bill.", "E. & O.E.",
                                       "Subject to realisation of cheque.")), size=s.style.size - 1.5, color=GRAY)
    s.y += 30
    footer_pages(ctx, lambda i, n: rng.choice((f"Page {i} of {n}", f"Page {i}/{n}")) if i == 1 else f"Page {i} of {n}")
