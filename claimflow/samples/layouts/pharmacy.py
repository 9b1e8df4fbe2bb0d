"""Pharmacy receipt: a narrow thermal strip in a monospace font, one block per prescription."""

from __future__ import annotations

from claimflow.samples.layouts.common import Ctx, colon, service_dates_text

RULE_CHARS = ("-", "=", "*", ".")


def build(ctx: Ctx) -> None:
    s, b, rng = ctx.sheet, ctx.bill, ctx.rng
    left, right = s.margin, s.right
    size = s.style.size
    lh = size + 3.2
    width_chars = int((right - left) / s.measure("0"))
    rule = rng.choice(RULE_CHARS) * width_chars
    center = s.width / 2

    def line(text: str = "", *, align: str = "left", bold: bool = False, tag: str | None = None) -> None:
        x = {"left": left, "center": center, "right": right}[align]
        s.text(x, s.y, text, align=align, bold=bold, tag=tag)
        s.y += lh

    def pair(label: str, value: str, *, tag: str | None = None, bold: bool = False) -> None:
        s.text(left, s.y, label, bold=bold)
        s.text(right, s.y, value, align="right", tag=tag, bold=bold)
        s.y += lh

    s.y = s.margin + 12
    s.text(center, s.y, b.provider_name.upper(), align="center", bold=True, tag="provider.name", size=size + 1)
    s.y += lh + 2
    for part in b.provider_address:
        line(part, align="center")
    line(b.provider_phone, align="center")
    if b.print_npi:
        s.text(center, s.y, f"{colon(ctx.label('npi'))} ", align="right")
        s.text(center, s.y, b.npi, tag="provider.npi")
        ctx.visible.npi = True
        s.y += lh
    line(rule)
    ctx.visible.invoice_number = True
    label = rng.choice(("Receipt #", "Trans #", "Receipt No.", "Ref"))
    s.text(left, s.y, f"{label} ")
    s.text(left + s.measure(f"{label} "), s.y, b.invoice_number, tag="invoice_number")
    s.y += lh
    s.text(left, s.y, rng.choice(("Date: ", "Fill date: ", "Date ")))
    x = left + s.measure("Fill date: ")
    for piece, tag in service_dates_text(ctx, b.service_dates[:1], as_range=False):
        x += s.text(x, s.y, piece, tag=tag)
    s.text(right, s.y, f"{rng.randrange(7, 21):02d}:{rng.randrange(60):02d}", align="right")
    s.y += lh
    s.text(left, s.y, "Patient: ")
    s.text(left + s.measure("Patient: "), s.y, b.patient_name.upper(), tag="patient.name")
    ctx.visible.patient_name = True
    s.y += lh
    if b.print_dob:
        s.text(left, s.y, "DOB: ")
        s.text(left + s.measure("DOB: "), s.y, ctx.d(b.patient_dob), tag="patient.date_of_birth")
        ctx.visible.dob = True
        s.y += lh
    if b.print_member_id:
        lab = rng.choice(("Ins ID: ", "Member ID: ", "Plan ID: ", "Card #: "))
        s.text(left, s.y, lab)
        s.text(left + s.measure(lab), s.y, b.member_id, tag="patient.member_id")
        ctx.visible.member_id = True
        s.y += lh
    line(rule)
    ctx.visible.item_codes = True
    ctx.visible.item_quantity = True
    for i, it in enumerate(b.items):
        tag = f"line_items[{i}]"
        if it.code:
            s.text(left, s.y, f"Rx# {rng.randrange(1000000, 9999999)}", tag=None)
            s.y += lh
        desc = it.description.upper()
        while s.measure(desc) > right - left and " " in desc:
            desc = desc.rsplit(" ", 1)[0]
        ctx.visible.item_descriptions[i] = desc if desc == it.description.upper() else desc
        s.text(left, s.y, desc, tag=tag)
        s.y += lh
        if it.code:
            s.text(left, s.y, "NDC ")
            s.text(left + s.measure("NDC "), s.y, it.code, tag=tag)
            s.y += lh
        q = f"QTY {it.quantity}"
        s.text(left + 8, s.y, q, tag=tag)
        s.text(right, s.y, ctx.m(it.amount, symbol=False) + (" T" if it.taxable else ""), align="right", tag=tag)
        s.y += lh + 1
    line(rule)
    if b.tax > 0 or rng.random() < 0.5:
        pair(ctx.label("subtotal").upper(), ctx.m(b.subtotal, symbol=False))
        pair(rng.choice(("TAX", "SALES TAX")), ctx.m(b.tax, symbol=False))
    pair(rng.choice(("TOTAL", "TOTAL CHARGES", "TOTAL RX")), ctx.money.emphatic(b.total), tag="total", bold=True)
    if b.payment:
        pair(rng.choice(("INS PAID", "PLAN PAID", "PAYMENT")), ctx.m(-b.payment))
    if b.previous_balance:
        pair("PREV BAL", ctx.m(b.previous_balance))
    pair(rng.choice(("YOU PAY", "AMOUNT DUE", "BALANCE DUE", "PATIENT PAYS")), ctx.money.emphatic(b.balance_due),
         tag="balance_due", bold=True)
    line(rule)
    for i, d in enumerate(b.diagnoses):
        if d.mode != "negated_note":
            s.text(left, s.y, "Dx: ")
            s.text(left + s.measure("Dx: "), s.y, d.code, tag=f"diagnoses[{i}]")
            s.y += lh
    if not b.diagnoses:
        ctx.visible.diagnoses = True
    line(rng.choice(("THANK YOU", "Thank you for your business", "KEEP FOR YOUR RECORDS")), align="center")
    line(rng.choice(("Questions? Call the pharmacist", "Refills: call or use our app", "Save this receipt")),
         align="center")
