"""Indian pharmacy cash memo: the chemist's name, address, GSTIN and drug licence numbers; patient and prescribing
doctor; drug lines with batch number, expiry, quantity, MRP and amount (columns in varying order); the GST included
in the MRP; a small total after discount and round-off, often with the amount in words. Printed on an A5 or half-A4
sheet, or on a thermal strip."""

from __future__ import annotations

from claimflow.samples import catalog_intl as cat
from claimflow.samples.layouts.common import GRAY, Column, Ctx, colon, kv
from claimflow.samples.layouts.intl_common import bill_of, fit_money, money_row, table

COLUMN_SETS = (
    ("sno", "desc", "pack", "batch", "expiry", "qty", "mrp", "amount"),
    ("sno", "qty", "desc", "batch", "expiry", "mrp", "amount"),
    ("desc", "batch", "expiry", "qty", "rate", "amount"),
    ("sno", "desc", "hsn", "batch", "expiry", "qty", "mrp", "gst", "amount"),
    ("qty", "desc", "batch", "expiry", "amount"),
)
HEADERS = {
    "sno": ("Sn", "S.No", "#"), "desc": ("Product Name", "Particulars", "Description", "Medicine"),
    "pack": ("Pack",), "batch": ("Batch", "Batch No.", "B.No"), "expiry": ("Exp", "Expiry", "Exp.Dt"),
    "qty": ("Qty", "Qty.", "Nos"), "mrp": ("MRP",), "rate": ("Rate", "MRP"), "amount": ("Amount", "Amt", "Value"),
    "hsn": ("HSN",), "gst": ("GST%",),
}
WIDTHS = {"sno": 20, "pack": 30, "batch": 46, "expiry": 36, "qty": 24, "mrp": 44, "rate": 44, "amount": 52,
          "hsn": 32, "gst": 28}


def _extra(ctx: Ctx) -> dict[str, list[str]]:
    rows = [line.split("|") for line in bill_of(ctx).extras["batches"].split("\n")]
    return {
        "batch": [r[0] for r in rows], "expiry": [r[1] for r in rows], "pack": [r[2] for r in rows],
        "gst": [r[3] for r in rows], "hsn": ["3004" if r[3] != "18" else "3808" for r in rows],
        "mrp": [ctx.m(it.unit_price, symbol=False) for it in ctx.bill.items],
    }


def build(ctx: Ctx) -> None:
    fit_money(ctx)
    s, b, rng = ctx.sheet, bill_of(ctx), ctx.rng
    thermal = s.width < 300
    left, size = s.margin, s.style.size
    lh = size + 4
    center = s.width / 2
    s.y = s.margin + 10
    s.text(center, s.y, b.provider_name.upper(), bold=True, size=size + (2 if thermal else 5), align="center",
           tag="provider.name", color=ctx.accent if not thermal else (0, 0, 0))
    s.y += lh + (2 if thermal else 6)
    for line in b.provider_address:
        s.text(center, s.y, line, align="center", size=size - 0.5)
        s.y += lh - 1
    s.text(center, s.y, f"Ph: {b.provider_phone}", align="center", size=size - 0.5)
    s.y += lh - 1
    s.text(center, s.y, f"GSTIN: {b.extras['gstin']}", align="center", size=size - 0.5)
    s.y += lh - 1
    dl = b.extras["dl_no"]
    s.text(center, s.y, dl if dl.startswith("DL") else f"D.L. No.: {dl}", align="center", size=size - 1)
    s.y += lh + 2
    s.hline(left, s.right, s.y - 6, width=0.8)
    s.text(center, s.y + 4, rng.choice(cat.IN_PHARMACY_LABELS["memo"]), bold=True, align="center")
    s.y += lh + 6
    # bill no / date on one line (wide) or two (thermal)
    date_text = ctx.d(b.service_dates[0])
    ctx.visible.service_dates.add(b.service_dates[0])
    ctx.visible.invoice_number = True
    if thermal:
        kv(ctx, left, s.y, b.invoice_label, b.invoice_number, tag="invoice_number")
        s.y += lh
        kv(ctx, left, s.y, "Date", date_text, tag="service_dates[0]")
        s.y += lh
    else:
        kv(ctx, left, s.y, b.invoice_label, b.invoice_number, tag="invoice_number")
        kv(ctx, s.right - 130, s.y, rng.choice(("Date", "Bill Date", "Dt.")), date_text, tag="service_dates[0]")
        s.y += lh
    kv(ctx, left, s.y, rng.choice(("Patient", "Patient Name", "Name")), b.patient_name, tag="patient.name")
    ctx.visible.patient_name = True
    s.y += lh
    kv(ctx, left, s.y, rng.choice(("Prescribed by", "Doctor", "Ref. by")), b.extras["doctor"])
    s.y += lh
    if b.print_member_id:
        kv(ctx, left, s.y, b.member_label, b.member_id, tag="patient.member_id")
        ctx.visible.member_id = True
        s.y += lh
    s.y += 2
    keys = rng.choice(COLUMN_SETS[-2:] if thermal else COLUMN_SETS)
    if thermal:
        keys = tuple(k for k in keys if k not in ("hsn", "gst", "pack", "sno"))
    cols = [Column(k, rng.choice(HEADERS[k]), WIDTHS.get(k, 0), "right" if k in ("qty", "mrp", "rate", "amount",
                                                                                   "gst") else "left")
            for k in keys]
    cols = [c if c.key != "rate" else Column("mrp", c.header, c.width, c.align) for c in cols]
    table(ctx, cols, tuple(range(len(b.items))), x0=left, x1=s.right, rules=rng.choice(("grid", "header", "none")),
          extra=_extra(ctx), row_gap=3.5 if thermal else 4.5, reserve=10)
    ctx.visible.item_codes = False
    s.hline(left, s.right, s.y + 2, width=0.6)
    s.y += 4
    xl, xv = (left, s.right) if thermal else (s.width - 230, s.right - 3)
    if b.adjustment or b.rounding or rng.random() < 0.5:
        money_row(ctx, xl, xv, rng.choice(cat.IN_PHARMACY_LABELS["gross"]), b.subtotal)
    if b.adjustment:
        pct = b.extras["discount_pct"]
        money_row(ctx, xl, xv, rng.choice((f"Less Disc {pct}%", f"Discount @ {pct}%", "Discount")), b.adjustment)
    if b.rounding:
        money_row(ctx, xl, xv, rng.choice(("Round Off", "Rounded Off", "R/Off")), b.rounding)
    money_row(ctx, xl, xv, rng.choice(cat.IN_PHARMACY_LABELS["total"]), b.total, tag="total", bold=True,
              emphatic=True, size=size + 1)
    ctx.visible.balance_due = False
    if b.tax_lines and rng.random() < 0.7:  # the GST part of the MRP, small print
        s.y += 2
        parts = [f"{label}: {ctx.m(value, symbol=False)}" for label, value in b.tax_lines]
        line = "GST incl.: " + ", ".join(parts) if not thermal else ""
        if thermal or s.measure(line, size=size - 1.5) > s.right - left:
            for p in parts:
                s.text(left, s.y + size, p, size=size - 1.5, color=GRAY)
                s.y += lh - 2
        else:
            s.text(left, s.y + size, line, size=size - 1.5, color=GRAY)
            s.y += lh
    if rng.random() < 0.6:
        s.y += 4
        s.text(left, s.y + size, colon(rng.choice(("Rupees", "Amount in words", "In words"))), bold=True,
               size=size - 0.5)
        s.y += lh
        words = b.extras["words"]
        while s.measure(words, size=size - 1) > s.right - left - 6 and " " in words:
            cut = words.rfind(" ", 0, int(len(words) * 0.6))
            s.text(left + 6, s.y + size, words[:cut], size=size - 1)
            s.y += lh - 1
            words = words[cut + 1:]
        s.text(left + 6, s.y + size, words, size=size - 1)
        s.y += lh
    s.y += 6
    notes = ("Goods once sold will not be taken back.", "Get well soon!", "Subject to local jurisdiction.",
             "Medicines without batch no. & expiry will not be accepted back.")
    s.text(left, s.y + size, rng.choice(notes), size=size - 1.5, color=GRAY)
    s.y += lh
    s.text(s.right, s.y + size + 12, "For " + b.provider_name.split(" (")[0], align="right", size=size - 1)
    s.y += lh + 18
