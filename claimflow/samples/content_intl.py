"""The content of Indian hospital bills, Indian pharmacy cash memos and Malaysian / Singapore clinic receipts.

Like :func:`claimflow.samples.content.make_bill`, everything is drawn from one ``random.Random``. A bill is a
:class:`~claimflow.samples.content.Bill` (so the truth, members and manifest code is shared) with the parts only
these layouts print: sections with sub-totals, GST lines, rounding, cash tendered, the amount in words and the local
identifiers (UHID, IP number, GSTIN, drug licence, company registration, a masked NRIC).

What the truth's ``total`` is on each: the bill's final amount before any payment — the hospital bill's grand / net
total (items plus GST less a discount; the advance paid against it leaves the balance payable), the cash memo's net
amount (after a discount and round-off) and the clinic receipt's total (after the rounding adjustment) — the figure a
claim is made for. The items' own sum is the ``subtotal``.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from claimflow.money import to_money
from claimflow.samples import catalog_intl as cat
from claimflow.samples.content import (
    Bill,
    Diagnosis,
    Item,
    _membership,
    _pick_diagnoses,
    make_invoice_number,
    make_member_id,
)

#: layout → (currency, locale)
INTL_LAYOUTS = {"hospital_in": ("INR", "in"), "pharmacy_in": ("INR", "in"), "clinic_my": ("MYR", "my"),
                "clinic_sg": ("SGD", "sg")}
_SGD_PER_MYR = Decimal("0.29")


@dataclass(frozen=True)
class IntlBill(Bill):
    """A bill of one of the Indian / South-East Asian layouts: the shared fields plus what only they print."""

    #: (section key, printed title, indices into ``items``), in print order
    sections: tuple[tuple[str, str, tuple[int, ...]], ...] = ()
    #: printed tax rows (label, amount); informational when ``tax_included``
    tax_lines: tuple[tuple[str, Decimal], ...] = ()
    tax_included: bool = False
    rounding: Decimal = Decimal("0.00")
    tendered: Decimal = Decimal("0.00")
    #: local identifiers and words: uhid, ip_no, gstin, dl_no, reg_no, nric, doctor, tpa, panel, words ...
    extras: dict[str, str] = field(default_factory=dict)


# --- numbers in words ------------------------------------------------------------------------------------------------

_ONES = ("", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten", "Eleven", "Twelve",
         "Thirteen", "Fourteen", "Fifteen", "Sixteen", "Seventeen", "Eighteen", "Nineteen")
_TENS = ("", "", "Twenty", "Thirty", "Forty", "Fifty", "Sixty", "Seventy", "Eighty", "Ninety")


def _below_hundred(n: int) -> str:
    return _ONES[n] if n < 20 else (_TENS[n // 10] + (" " + _ONES[n % 10] if n % 10 else ""))


def _below_thousand(n: int) -> str:
    parts = []
    if n >= 100:
        parts.append(f"{_ONES[n // 100]} Hundred")
        n %= 100
    if n:
        parts.append(_below_hundred(n))
    return " ".join(parts)


def words_indian(value: Decimal) -> str:
    """``Rupees Two Lakh Nine Thousand Seven Hundred Sixty Three Only`` (crore, lakh, thousand; paise if any)."""
    value = to_money(value)
    rupees, paise = int(value), int((value - int(value)) * 100)
    parts = []
    for unit, size in (("Crore", 10_000_000), ("Lakh", 100_000), ("Thousand", 1000)):
        if rupees >= size:
            parts.append(f"{_below_thousand(rupees // size) if size == 10_000_000 else _below_hundred(rupees // size)}"
                         f" {unit}")
            rupees %= size
    if rupees:
        parts.append(_below_thousand(rupees))
    text = "Rupees " + (" ".join(parts) or "Zero")
    if paise:
        text += f" and {_below_hundred(paise)} Paise"
    return text + " Only"


# --- identifiers -----------------------------------------------------------------------------------------------------

_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"


def _digits(rng: random.Random, n: int) -> str:
    return "".join(str(rng.randrange(10)) for _ in range(n))


def make_gstin(rng: random.Random, state_code: str) -> str:
    """15 characters: state code, a PAN (5 letters, 4 digits, 1 letter), entity number, Z, check character."""
    pan = "".join(rng.choice(_LETTERS) for _ in range(5)) + _digits(rng, 4) + rng.choice(_LETTERS)
    return f"{state_code}{pan}{rng.randint(1, 3)}Z{rng.choice(_LETTERS + '0123456789')}"


def make_nric_masked(rng: random.Random, locale: str) -> str:
    if locale == "sg":  # S****567A: prefix, four masked digits, the last three and the check letter
        return f"{rng.choice('STFG')}****{_digits(rng, 3)}{rng.choice('ABCDEFGHIZJ')}"
    style = rng.randrange(2)  # Malaysian MyKad number, masked
    return f"XXXXXX-XX-{_digits(rng, 4)}" if style == 0 else f"{_digits(rng, 2)}****-**-{_digits(rng, 3)}*"


def _person(rng: random.Random, first: tuple[str, ...], last: tuple[str, ...]) -> str:
    return f"{rng.choice(first)} {rng.choice(last)}"


def _in_person(rng: random.Random) -> str:
    """A name, sometimes with a title (``Mr.`` / ``Mrs.`` / ``Ms.``; the sex printed beside it follows the title)."""
    name = _person(rng, cat.IN_FIRST_NAMES, cat.IN_LAST_NAMES)
    return rng.choice(("Mr. ", "Mrs. ", "Ms. ", "", "", "")) + name


def _age_sex(name: str, dob: dt.date, on: dt.date, rng: random.Random) -> str:
    age = on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))
    sex = "M" if name.startswith("Mr. ") else ("F" if name.startswith(("Mrs. ", "Ms. ")) else rng.choice("MF"))
    return f"{age} Y / {sex}"


def _phone_in(rng: random.Random) -> str:
    return rng.choice((f"+91 {rng.randint(70, 99)}{_digits(rng, 3)} {_digits(rng, 5)}",
                       f"0{rng.randint(20, 99)}-{_digits(rng, 8)}", f"{rng.randint(70, 99)}{_digits(rng, 8)}"))


def _amount(rng: random.Random, low: float, high: float, *, whole: float = 0.6) -> Decimal:
    value = Decimal(rng.randrange(int(low * 100), int(high * 100) + 1)) / 100
    if rng.random() < whole:
        value = value.to_integral_value()
    return to_money(value)


# --- India: hospital ------------------------------------------------------------------------------------------------


def _hospital_items(rng: random.Random, dates: list[dt.date], doctor: str
                    ) -> tuple[list[Item], list[tuple[str, str, tuple[int, ...]]]]:
    keys = ["room", "consultation", "laboratory", "pharmacy"]
    keys += [k for k in ("radiology", "procedures", "consumables") if rng.random() < 0.6]
    order = {"room": 0, "consultation": 1, "procedures": 2, "laboratory": 3, "radiology": 4, "pharmacy": 5,
             "consumables": 6}
    keys.sort(key=lambda k: order[k] + (rng.random() * 3 if rng.random() < 0.3 else 0))
    items: list[Item] = []
    sections: list[tuple[str, str, tuple[int, ...]]] = []
    specialty = rng.choice(cat.IN_DOCTOR_SPECIALTIES)
    for key in keys:
        titles, pool = cat.IN_SECTIONS[key]
        n = {"room": (2, 4), "pharmacy": (3, 10), "laboratory": (2, 7)}.get(key, (1, 3))
        picks = rng.sample(pool, min(rng.randint(*n), len(pool)))
        if key == "room":  # exactly one bed type, and it comes first
            beds = [p for p in pool if p[0].startswith(("Room Rent", "ICU"))]
            picks = [rng.choice(beds)] + [p for p in picks if not p[0].startswith(("Room Rent", "ICU"))]
        start = len(items)
        for desc, lo, hi, (qlo, qhi), per_day in picks:
            desc = desc.format(doctor=doctor, specialty=specialty)
            unit = _amount(rng, lo, hi, whole=0.8)
            q = len(dates) if per_day else rng.randint(qlo, qhi)
            date = dates[0] if per_day else rng.choice(dates)
            items.append(Item(None, desc, q, unit, to_money(unit * q), date))
        sections.append((key, rng.choice(titles), tuple(range(start, len(items)))))
    return items, sections


def _hospital_bill(rng: random.Random, base: dict, dates: list[dt.date]) -> IntlBill:
    city, state, pin, gst_state = rng.choice(cat.IN_CITIES)
    doctor = f"{rng.choice(('A.', 'S.', 'R.', 'K.', 'M.', 'P.', 'V.'))} {rng.choice(cat.IN_LAST_NAMES)}"
    items, sections = _hospital_items(rng, dates, doctor)
    subtotal = sum((i.amount for i in items), Decimal("0.00"))
    # GST applies to a room above Rs. 5,000 a day (5 %, split CGST / SGST); other healthcare services are exempt
    tax_lines: list[tuple[str, Decimal]] = []
    room = next((i for i in items if i.description.startswith("Room Rent") and i.unit_price > 5000), None)
    if room is not None:
        half = to_money(room.amount * Decimal("0.025"))
        tax_lines = [("CGST @ 2.5%", half), ("SGST @ 2.5%", half)]
    tax = sum((v for _, v in tax_lines), Decimal("0.00"))
    # a discount (concession) comes off before the bill's total; the advance deposit is paid against the total
    discount = to_money((subtotal + tax) * Decimal(rng.choice(("0.05", "0.1")))) if rng.random() < 0.25 else (
        Decimal("0.00"))
    discount = to_money(discount.to_integral_value(ROUND_HALF_UP))
    total = subtotal + tax - discount
    r = rng.random()
    if r < 0.55:  # an advance deposit at admission, a round figure
        advance = to_money(Decimal(rng.choice((10000, 20000, 25000, 50000, 100000))).min(total))
    elif r < 0.7:  # paid in full at discharge
        advance = total
    else:
        advance = Decimal("0.00")
    balance = to_money(total - advance)
    name = rng.choice(cat.IN_HOSPITAL_NAMES).format(
        city=city, deity=rng.choice(cat.IN_DEITIES), last=rng.choice(cat.IN_LAST_NAMES))
    street = f"{rng.randint(1, 480)}, {rng.choice(cat.IN_STREETS)}"
    extras = {
        "uhid": rng.choice((f"UH{_digits(rng, 8)}", f"{rng.choice(('MR', 'HSP', 'REG'))}/{_digits(rng, 6)}",
                            _digits(rng, 9))),
        "ip_no": rng.choice((f"IP/{dates[0].year % 100:02d}/{_digits(rng, 5)}", f"IPD{_digits(rng, 7)}",
                             f"{_digits(rng, 6)}")),
        "gstin": make_gstin(rng, gst_state),
        "doctor": f"Dr. {doctor}",
        "specialty": rng.choice(cat.IN_DOCTOR_SPECIALTIES),
        "tpa": rng.choice(cat.IN_TPAS),
        "bed": f"{rng.choice(('GW', 'SP', 'PVT', 'ICU'))}-{rng.randint(1, 40):02d}",
        "words": words_indian(total),
        "age_sex": _age_sex(base["patient_name"], base["patient_dob"], dates[0], rng),
        "email": f"billing@{name.split()[0].lower().strip('.')}hospital.in",
    }
    invoice = rng.choice((f"IPB/{dates[-1].year % 100:02d}-{(dates[-1].year + 1) % 100:02d}/{_digits(rng, 5)}",
                          f"FB{_digits(rng, 7)}", f"{_digits(rng, 6)}"))
    return IntlBill(**base, provider_name=name, provider_address=(street, f"{city} - {pin}{_digits(rng, 3)}, {state}"),
                    provider_phone=_phone_in(rng), provider_fax=_phone_in(rng), invoice_number=invoice,
                    invoice_label=rng.choice(cat.IN_LABELS["bill_no"]), items=tuple(items), subtotal=subtotal,
                    tax=tax, total=total, adjustment=discount, payment=advance, previous_balance=Decimal("0.00"),
                    balance_due=balance, sections=tuple(sections), tax_lines=tuple(tax_lines), extras=extras,
                    statement_date=dates[-1], due_date=dates[-1])


# --- India: pharmacy -------------------------------------------------------------------------------------------------


def _pharmacy_bill(rng: random.Random, base: dict, dates: list[dt.date]) -> IntlBill:
    city, state, pin, gst_state = rng.choice(cat.IN_CITIES)
    items: list[Item] = []
    batches: list[str] = []
    for drug, pack, lo, hi, gst in rng.sample(cat.IN_DRUGS, rng.randint(1, 7)):
        mrp = _amount(rng, lo, hi, whole=0.3)
        q = rng.choice((1, 1, 1, 2, 2, 3))
        items.append(Item(None, drug, q, mrp, to_money(mrp * q), dates[0]))
        expiry = dates[0] + dt.timedelta(days=rng.randint(120, 900))
        batches.append("|".join((
            rng.choice((f"{rng.choice(_LETTERS)}{rng.choice(_LETTERS)}{_digits(rng, 4)}", f"B{_digits(rng, 5)}",
                        f"{_digits(rng, 2)}{rng.choice(_LETTERS)}{_digits(rng, 3)}")),
            rng.choice((f"{expiry.month:02d}/{expiry.year % 100:02d}", f"{expiry.month:02d}/{expiry.year}",
                        f"{('JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC').split()[expiry.month - 1]}-"
                        f"{expiry.year % 100:02d}")),
            pack, str(gst),
        )))
    subtotal = sum((i.amount for i in items), Decimal("0.00"))
    discount = to_money(subtotal * Decimal(rng.choice(("0.05", "0.1", "0.15", "0.2")))) if rng.random() < 0.4 else (
        Decimal("0.00"))
    net = subtotal - discount
    rounded = net.to_integral_value(ROUND_HALF_UP) if rng.random() < 0.6 else net
    rounding = to_money(rounded - net)
    total = to_money(rounded)
    # GST included in the MRP: the taxable value and the CGST / SGST halves, per rate
    tax_lines: list[tuple[str, Decimal]] = []
    by_rate: dict[int, Decimal] = {}
    for it, b in zip(items, batches, strict=True):
        rate = int(b.split("|")[3])
        by_rate[rate] = by_rate.get(rate, Decimal("0.00")) + it.amount
    for rate, gross in sorted(by_rate.items()):
        tax_amt = to_money(gross - gross / (1 + Decimal(rate) / 100))
        half = to_money(tax_amt / 2)
        tax_lines += [(f"CGST {Decimal(rate) / 2:g}%", half), (f"SGST {Decimal(rate) / 2:g}%", half)]
    name = rng.choice(cat.IN_PHARMACY_NAMES).format(
        city=city, deity=rng.choice(cat.IN_DEITIES), last=rng.choice(cat.IN_LAST_NAMES))
    extras = {
        "gstin": make_gstin(rng, gst_state),
        "dl_no": rng.choice((f"{gst_state}-{rng.choice(('20B', '21B', '20', '21'))}/{_digits(rng, 5)}",
                             f"DL No. 20/{city[:3].upper()}/{_digits(rng, 4)}, 21/{city[:3].upper()}/{_digits(rng, 4)}",
                             f"{rng.choice(('MH', 'KA', 'TN', 'DL'))}-{_digits(rng, 3)}-{_digits(rng, 6)}")),
        "batches": "\n".join(batches),
        "doctor": f"Dr. {rng.choice(('A.', 'S.', 'R.', 'K.', 'N.'))} {rng.choice(cat.IN_LAST_NAMES)}",
        "words": words_indian(total),
        "discount_pct": f"{(discount / subtotal * 100).quantize(Decimal('1'))}" if discount else "",
    }
    street = f"Shop No. {rng.randint(1, 40)}, {rng.choice(cat.IN_STREETS)}"
    return IntlBill(**base, provider_name=name, provider_address=(street, f"{city} - {pin}{_digits(rng, 3)}"),
                    provider_phone=_phone_in(rng), provider_fax=_phone_in(rng),
                    invoice_number=rng.choice((f"CM-{_digits(rng, 5)}", _digits(rng, 5), f"A/{_digits(rng, 4)}",
                                               f"INV{_digits(rng, 6)}")),
                    invoice_label=rng.choice(("Bill No.", "Invoice No.", "Memo No.", "Bill No:")),
                    items=tuple(items), subtotal=subtotal, tax=Decimal("0.00"), total=total, adjustment=discount,
                    payment=Decimal("0.00"), previous_balance=Decimal("0.00"), balance_due=total,
                    tax_lines=tuple(tax_lines), tax_included=True, rounding=rounding, extras=extras,
                    statement_date=dates[0], due_date=dates[0])


# --- Malaysia / Singapore: clinic ------------------------------------------------------------------------------------


def _round_5_sen(value: Decimal) -> Decimal:
    return to_money((value * 20).to_integral_value(ROUND_HALF_UP) / 20)


def _clinic_bill(rng: random.Random, base: dict, dates: list[dt.date], currency: str, locale: str) -> IntlBill:
    scale = Decimal("1") if currency == "MYR" else _SGD_PER_MYR * Decimal("3.1")  # SGD clinic fees run higher
    picks = [cat.SEA_ITEMS[0] if rng.random() < 0.8 else cat.SEA_ITEMS[1]]
    picks += rng.sample(cat.SEA_ITEMS[2:], rng.randint(1, 5))
    items: list[Item] = []
    for desc, lo, hi, (qlo, qhi) in picks:
        unit = to_money(_amount(rng, lo, hi, whole=0.5) * scale)
        q = rng.randint(qlo, qhi)
        items.append(Item(None, desc, q, unit, to_money(unit * q), dates[0]))
    subtotal = sum((i.amount for i in items), Decimal("0.00"))
    tax_lines: list[tuple[str, Decimal]] = []
    included = False
    if locale == "sg":
        rate = Decimal("9") if dates[0].year >= 2024 else Decimal("8")
        if rng.random() < 0.5:  # GST on top
            tax_lines = [(f"GST {rate:g}%", to_money(subtotal * rate / 100))]
        else:  # prices include GST: the receipt states the GST part
            included = True
            tax_lines = [(f"GST {rate:g}% (incl.)", to_money(subtotal - subtotal / (1 + rate / 100)))]
    elif rng.random() < 0.35:
        rate = Decimal(rng.choice(("6", "8")))
        tax_lines = [(f"SST {rate:g}%", to_money(subtotal * rate / 100))]
    tax = Decimal("0.00") if included else sum((v for _, v in tax_lines), Decimal("0.00"))
    gross = subtotal + tax
    rounded = _round_5_sen(gross) if (locale == "my" or rng.random() < 0.3) else gross
    rounding = to_money(rounded - gross)
    total = to_money(rounded)
    step = Decimal(rng.choice((10, 50, 100)))
    tendered = to_money(((total / step).to_integral_value(rounding="ROUND_CEILING")) * step)
    if currency == "SGD" and rng.random() < 0.4:
        tendered = Decimal("0.00")  # paid by NETS / card: no change
    if locale == "my":
        street, post, town, st = rng.choice(cat.MY_PLACES)
        address = (f"No. {rng.randint(1, 120)}, {street}", f"{post} {town}, {st}")
        name = rng.choice(cat.MY_CLINIC_NAMES).format(last=rng.choice(cat.SEA_LAST_NAMES), town=town,
                                                      first=rng.choice(cat.SEA_FIRST_NAMES))
        old_style = f"({_digits(rng, 6)}-{rng.choice(_LETTERS)})"
        new_style = f"{dates[0].year - rng.randint(2, 20)}01{_digits(rng, 6)} ({_digits(rng, 7)}-{rng.choice('KUPTVWX')})"
        reg = rng.choice((old_style, new_style))
        company = f"{rng.choice(cat.SEA_LAST_NAMES).upper()} MEDICAL {rng.choice(cat.MY_COMPANY_SUFFIX)}"
        tax_reg = f"SST No: W10-{_digits(rng, 4)}-{_digits(rng, 8)}" if tax_lines else ""
        phone = f"0{rng.randint(3, 9)}-{_digits(rng, 4)} {_digits(rng, 4)}"
    else:
        street, district = rng.choice(cat.SG_PLACES)
        address = (f"Blk {rng.randint(100, 999)} {street}, #0{rng.randint(1, 4)}-{rng.randint(10, 350)}",
                   f"Singapore {district}{_digits(rng, 4)}")
        town = street.split(" ")[0]
        name = rng.choice(cat.SG_CLINIC_NAMES).format(last=rng.choice(cat.SEA_LAST_NAMES), town=town)
        reg = f"{dates[0].year - rng.randint(2, 20)}{_digits(rng, 5)}{rng.choice(_LETTERS)}"
        company = f"{name.upper()} PTE. LTD."
        tax_reg = f"GST Reg No: {rng.choice(('M2', 'M9'))}-{_digits(rng, 7)}-{rng.randint(0, 9)}" if tax_lines else ""
        phone = f"+65 6{_digits(rng, 3)} {_digits(rng, 4)}"
    extras = {
        "reg_no": reg, "company": company, "tax_reg": tax_reg, "nric": make_nric_masked(rng, locale),
        "doctor": f"Dr {rng.choice(cat.SEA_FIRST_NAMES)} {rng.choice(cat.SEA_LAST_NAMES)}",
        "panel": rng.choice(cat.SEA_PANELS) if rng.random() < 0.5 else "",
        "time": f"{rng.randint(8, 21):02d}:{rng.randrange(60):02d}", "queue": str(rng.randint(1, 140)),
    }
    return IntlBill(**base, provider_name=name, provider_address=address, provider_phone=phone, provider_fax=phone,
                    invoice_number=rng.choice((f"R{_digits(rng, 7)}", f"{rng.choice(_LETTERS)}{_digits(rng, 6)}",
                                               f"CS-{_digits(rng, 6)}", _digits(rng, 8))),
                    invoice_label=rng.choice(cat.SEA_LABELS["receipt_no"]), items=tuple(items), subtotal=subtotal,
                    tax=tax, total=total, adjustment=Decimal("0.00"), payment=Decimal("0.00"),
                    previous_balance=Decimal("0.00"), balance_due=Decimal("0.00"), tax_lines=tuple(tax_lines),
                    tax_included=included, rounding=rounding, tendered=tendered, extras=extras,
                    statement_date=dates[0], due_date=dates[0])


def make_intl_bill(rng: random.Random, layout: str, *, service_window: tuple[dt.date, dt.date] | None = None,
                   membership_kind: str | None = None) -> IntlBill:
    """Draw one bill's content for one of :data:`INTL_LAYOUTS`."""
    currency, locale = INTL_LAYOUTS[layout]
    offset = rng.randrange(0, 560)
    if service_window is None:
        start = dt.date(2024, 1, 1) + dt.timedelta(days=offset)
    else:
        start = service_window[0] + dt.timedelta(days=offset % ((service_window[1] - service_window[0]).days + 1))
    dates = [start + dt.timedelta(days=d) for d in range(rng.randint(2, 7))] if layout == "hospital_in" else [start]
    membership = _membership(rng, "hospital", dates, False, membership_kind)
    member_id = make_member_id(rng)
    if membership.kind == "dependent":  # a family floater policy: the proposer holds the policy
        membership = type(membership)("dependent", membership.plan_id, membership.coverage_start,
                                      membership.coverage_end, subscriber_id=make_member_id(rng),
                                      subscriber_name=_in_person(rng),
                                      subscriber_dob=dt.date(rng.randint(1950, 1995), rng.randint(1, 12),
                                                             rng.randint(1, 28)))
    if layout == "hospital_in":
        pool, n_dx, patient = cat.IN_ICD, (1, 2), _in_person(rng)
    elif layout == "pharmacy_in":
        pool, n_dx, patient = cat.IN_ICD_PHARMACY, (0, 0), _in_person(rng)
    else:
        pool, n_dx, patient = cat.SEA_ICD, (0, 2), _person(rng, cat.SEA_FIRST_NAMES, cat.SEA_LAST_NAMES).upper()
    diagnoses: list[Diagnosis] = _pick_diagnoses(rng, pool, rng.randint(*n_dx), allow_negated=False)
    dob = dt.date(rng.randint(1940, 2020), rng.randint(1, 12), rng.randint(1, 28))
    member_label = rng.choice(cat.IN_LABELS["member"] if layout.endswith("_in") else cat.SEA_LABELS["member"])
    base = dict(
        layout=layout, currency=currency, locale=locale, patient_name=patient, patient_dob=dob,
        patient_address=("", ""), patient_phone="", member_id=member_id, member_label=member_label,
        # an Indian hospital prints the policy / TPA card number on cashless and reimbursement bills alike; a
        # pharmacy memo rarely; a Malaysian / Singapore panel clinic when the patient is on a panel
        print_member_id=rng.random() < {"hospital_in": 0.85, "pharmacy_in": 0.15}.get(layout, 0.5),
        print_dob=layout != "pharmacy_in" and rng.random() < 0.3,
        membership=membership, npi="", print_npi=False, tax_id="", print_tax_id=False,
        service_dates=tuple(dates), diagnoses=tuple(diagnoses),
        labels={"diagnosis": rng.choice(("Diagnosis", "Provisional Diagnosis", "Final Diagnosis", "Dx"))},
    )
    if layout == "hospital_in":
        bill = _hospital_bill(rng, base, dates)
    elif layout == "pharmacy_in":
        bill = _pharmacy_bill(rng, base, dates)
    else:
        bill = _clinic_bill(rng, base, dates, currency, locale)
    return bill


__all__ = ["INTL_LAYOUTS", "IntlBill", "make_gstin", "make_intl_bill", "make_nric_masked", "words_indian"]
