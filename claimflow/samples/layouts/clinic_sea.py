"""Malaysian / Singapore clinic receipt (``clinic_my``, ``clinic_sg``): the clinic and its company registration
("Sdn. Bhd. (123456-X)", a UEN), GST / SST registration when taxed, the patient with a masked NRIC / MyKad number,
the panel insurer and member number when on a panel, dd/mm/yyyy dates, the items, GST or SST, "Rounding Adj",
"Total", "Cash" and "Change". On an A5 sheet or a thermal strip."""

from __future__ import annotations

from claimflow.samples import catalog_intl as cat
from claimflow.samples.layouts.common import GRAY, Column, Ctx, colon, diagnoses_block, kv
from claimflow.samples.layouts.intl_common import bill_of, money_row, table

COLUMN_SETS = (
    ("desc", "qty", "rate", "amount"),
    ("sno", "desc", "amount"),
    ("desc", "amount"),
    ("qty", "desc", "amount"),
    ("sno", "desc", "qty", "rate", "amount"),
)
HEADERS = {
    "sno": ("No", "#"), "desc": ("Description", "Item", "Particulars", "Service / Medication"),
    "qty": ("Qty", "Unit"), "rate": ("Price", "U/Price", "Unit Price"), "amount": ("Amount", "Total", "Amt"),
}
WIDTHS = {"sno": 20, "qty": 26, "rate": 50, "amount": 56}


def build(ctx: Ctx) -> None:
    s, b, rng = ctx.sheet, bill_of(ctx), ctx.rng
    L = cat.SEA_LABELS
    thermal = s.width < 300
    left, size = s.margin, s.style.size
    lh = size + 4
    center = s.width / 2
    align = "center" if thermal or rng.random() < 0.6 else "left"
    hx = center if align == "center" else left
    s.y = s.margin + 10
    s.text(hx, s.y, b.provider_name, bold=True, size=size + (2 if thermal else 4), align=align, tag="provider.name")
    s.y += lh + 2
    reg = b.extras["reg_no"]
    company = b.extras["company"]
    if b.locale == "my":
        s.text(hx, s.y, f"{company} {reg}" if s.measure(f"{company} {reg}", size=size - 1) < s.right - left
               else reg, align=align, size=size - 1)
    else:
        s.text(hx, s.y, f"UEN: {reg}", align=align, size=size - 1)
    s.y += lh - 1
    for line in b.provider_address:
        s.text(hx, s.y, line, align=align, size=size - 0.5)
        s.y += lh - 1
    s.text(hx, s.y, f"Tel: {b.provider_phone}", align=align, size=size - 0.5)
    s.y += lh - 1
    if b.extras["tax_reg"]:
        s.text(hx, s.y, b.extras["tax_reg"], align=align, size=size - 1)
        s.y += lh - 1
    s.y += 4
    s.hline(left, s.right, s.y - 4, width=0.6)
    s.text(center, s.y + 6, rng.choice(L["title"]), bold=True, align="center", size=size + 1)
    s.y += lh + 8
    ctx.visible.invoice_number = True
    ctx.visible.service_dates.add(b.service_dates[0])
    ctx.visible.patient_name = True
    date = ctx.d(b.service_dates[0])
    time = b.extras["time"]
    if rng.random() < 0.5:
        h, m = (int(x) for x in time.split(":"))
        time = f"{(h - 1) % 12 + 1}:{m:02d} {'AM' if h < 12 else 'PM'}"
    rows: list[tuple[str, str, str | None]] = [
        (b.invoice_label, b.invoice_number, "invoice_number"),
        (rng.choice(L["date"]), f"{date}  {time}" if rng.random() < 0.6 else date, "service_dates[0]"),
        (rng.choice(L["patient"]), b.patient_name, "patient.name"),
        (rng.choice(L["id"]), b.extras["nric"], None),
    ]
    if b.print_dob:
        rows.append(("DOB", ctx.d(b.patient_dob), "patient.date_of_birth"))
        ctx.visible.dob = True
    if b.extras["panel"]:
        rows.append(("Panel", b.extras["panel"], None))
    if b.print_member_id and b.extras["panel"]:
        rows.append((b.member_label, b.member_id, "patient.member_id"))
        ctx.visible.member_id = True
    rows.append(("Doctor", b.extras["doctor"], None))
    if rng.random() < 0.4:
        rows.append(("Queue No", b.extras["queue"], None))
    gap = 70 if thermal else 84
    for label, value, tag in rows:
        kv(ctx, left, s.y, label, value, tag=tag, gap=gap, bold_label=not thermal)
        s.y += lh
    if b.diagnoses and not thermal and rng.random() < 0.5:
        s.y += 2
        diagnoses_block(ctx, left, width=s.right - left)
    else:
        ctx.visible.diagnoses = not b.diagnoses
    s.y += 2
    keys = rng.choice(COLUMN_SETS[1:4] if thermal else COLUMN_SETS)
    cols = [Column(k, rng.choice(HEADERS[k]), WIDTHS.get(k, 0), "right" if k in ("qty", "rate", "amount") else "left")
            for k in keys]
    table(ctx, cols, tuple(range(len(b.items))), x0=left, x1=s.right,
          rules=rng.choice(("header", "none", "grid")), row_gap=3.5, reserve=10)
    ctx.visible.item_codes = False
    s.hline(left, s.right, s.y + 2, width=0.6)
    s.y += 4
    xl, xv = (left, s.right) if thermal else (s.width / 2 - 10, s.right - 3)
    taxed = bool(b.tax_lines) and not b.tax_included
    if taxed or b.rounding or rng.random() < 0.4:
        money_row(ctx, xl, xv, rng.choice(L["subtotal"]), b.subtotal)
    if taxed:
        for label, value in b.tax_lines:
            money_row(ctx, xl, xv, label, value)
    if b.rounding:
        money_row(ctx, xl, xv, rng.choice(L["rounding"]), b.rounding)
    total_label = rng.choice(L["total"])
    if b.tax_included and rng.random() < 0.5:
        total_label = f"{total_label} (incl. GST)"
    money_row(ctx, xl, xv, total_label, b.total, tag="total", bold=True, emphatic=rng.random() < 0.7,
              size=size + 1)
    if b.tendered:
        money_row(ctx, xl, xv, rng.choice(L["cash"]), b.tendered)
        money_row(ctx, xl, xv, rng.choice(L["change"]), b.tendered - b.total)
    else:
        money_row(ctx, xl, xv, rng.choice(("NETS", "VISA", "MASTERCARD", "PayNow")), b.total)
    ctx.visible.balance_due = False
    if b.tax_included:
        label, value = b.tax_lines[0]
        s.text(left, s.y + size, f"{label}: {ctx.m(value)}", size=size - 1, color=GRAY)
        s.y += lh
    s.y += 8
    notes = ("Thank you. Get well soon!", "This is a computer generated receipt.", "Goods sold are not returnable.",
             "Please keep this receipt for claim purposes.")
    if b.locale == "my":
        notes += ("Terima kasih. Semoga cepat sembuh.",)
    s.text(center, s.y + size, rng.choice(notes), align="center", size=size - 1.5, color=GRAY)
    s.y += lh + 4
    if not thermal and rng.random() < 0.5:
        s.text(s.right, s.y + 20, colon("Cashier") + f" {rng.choice(cat.SEA_FIRST_NAMES).upper()}", align="right",
               size=size - 1)
        s.y += 24
