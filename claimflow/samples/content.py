"""The content of one bill: who, what, when and how much — before any layout decides how it looks.

Everything is drawn from one ``random.Random`` so a bill depends only on the generator's (seed, index).
"""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache

import simple_icd_10_cm as icd

from claimflow.money import to_money
from claimflow.samples import catalog as cat

LAYOUTS = ("clinic", "hospital", "pharmacy", "lab", "dental_vision")
#: Layouts of other countries (claimflow.samples.content_intl): drawn only when asked for, so a seed's default
#: mix stays what it always was.
INTL_LAYOUT_NAMES = ("hospital_in", "pharmacy_in", "clinic_my", "clinic_sg")
ALL_LAYOUTS = LAYOUTS + INTL_LAYOUT_NAMES
#: ``--locale`` → the layouts of that locale ("us": the US-style layouts, which also print CAD, EUR and GBP)
LOCALE_LAYOUTS = {"us": LAYOUTS, "in": ("hospital_in", "pharmacy_in"), "my": ("clinic_my",), "sg": ("clinic_sg",)}
PLAN_IDS = ("GOLD-PPO", "SILVER-HMO", "BRONZE-HDHP")
DENTAL_VISION_PLAN = "DENTAL-VISION"

#: currency → (locale, weight). Mostly USD.
CURRENCIES = (("USD", "us", 82), ("CAD", "ca", 6), ("EUR", "eu", 6), ("GBP", "uk", 6))
#: Rough conversion so amounts stay plausible in each currency.
RATES = {"USD": Decimal("1"), "CAD": Decimal("1.35"), "EUR": Decimal("0.92"), "GBP": Decimal("0.79")}


@dataclass(frozen=True)
class Diagnosis:
    code: str
    description: str  # the official ICD-10-CM description (what the truth carries)
    mode: str  # how it is printed: "code_desc", "code", "desc", "negated_note"
    negated: bool = False
    note: str = ""  # the printed sentence for negated notes


@dataclass(frozen=True)
class Item:
    code: str | None
    description: str
    quantity: int
    unit_price: Decimal
    amount: Decimal
    service_date: dt.date | None = None
    taxable: bool = False


@dataclass(frozen=True)
class Membership:
    """How this bill's member id relates to the members fixture."""

    kind: str  # "member", "dependent", "non_member", "lapsed", "terminated"
    plan_id: str
    coverage_start: dt.date
    coverage_end: dt.date | None
    subscriber_id: str | None = None
    subscriber_name: str | None = None
    subscriber_dob: dt.date | None = None


@dataclass(frozen=True)
class Bill:
    layout: str
    currency: str
    locale: str
    patient_name: str
    patient_dob: dt.date
    patient_address: tuple[str, str]
    patient_phone: str
    member_id: str
    member_label: str
    print_member_id: bool
    print_dob: bool
    membership: Membership
    provider_name: str
    provider_address: tuple[str, str]
    provider_phone: str
    provider_fax: str
    npi: str
    print_npi: bool
    tax_id: str
    print_tax_id: bool
    invoice_number: str
    invoice_label: str
    service_dates: tuple[dt.date, ...]
    statement_date: dt.date
    due_date: dt.date
    diagnoses: tuple[Diagnosis, ...]
    items: tuple[Item, ...]
    subtotal: Decimal
    tax: Decimal
    total: Decimal  # the printed total charges
    adjustment: Decimal
    payment: Decimal
    previous_balance: Decimal
    balance_due: Decimal
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def total_consistent(self) -> bool:
        return self.total == sum((i.amount for i in self.items), Decimal("0.00")) + self.tax


# --- identifiers ---------------------------------------------------------------------------------------------------


def luhn_check_digit(digits: str) -> int:
    """The Luhn check digit for ``digits`` (the payload without its check digit)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return (10 - total % 10) % 10


def npi_is_valid(npi: str) -> bool:
    """An NPI is 10 digits whose Luhn check (with the 80840 card-issuer prefix) passes."""
    if len(npi) != 10 or not npi.isdigit():
        return False
    return luhn_check_digit("80840" + npi[:9]) == int(npi[9])


def make_npi(rng: random.Random) -> str:
    body = str(rng.choice((1, 2))) + "".join(str(rng.randrange(10)) for _ in range(8))
    return body + str(luhn_check_digit("80840" + body))


def make_member_id(rng: random.Random) -> str:
    digits = lambda n: "".join(str(rng.randrange(10)) for _ in range(n))  # noqa: E731
    letters = lambda n: "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(n))  # noqa: E731
    style = rng.randrange(6)
    if style == 0:
        return letters(3) + digits(9)
    if style == 1:
        return "W" + digits(9)
    if style == 2:
        return f"{digits(9)}-{rng.randrange(1, 4):02d}"
    if style == 3:
        return f"MBR-{rng.randrange(2019, 2026)}-{digits(6)}"
    if style == 4:
        return f"{letters(2)}{digits(3)} {digits(3)} {digits(3)}"
    return letters(1) + digits(2) + letters(1) + digits(7)


def make_invoice_number(rng: random.Random) -> str:
    digits = lambda n: "".join(str(rng.randrange(10)) for _ in range(n))  # noqa: E731
    style = rng.randrange(5)
    if style == 0:
        return f"INV-{rng.randrange(2024, 2027)}-{digits(5)}"
    if style == 1:
        return "A" + digits(7)
    if style == 2:
        return digits(9)
    if style == 3:
        return f"{digits(4)}-{digits(6)}"
    return f"ST{digits(6)}"


def make_tax_id(rng: random.Random) -> str:
    return f"{rng.randrange(10, 99)}-{rng.randrange(1000000, 9999999)}"


def make_phone(rng: random.Random) -> str:
    area = rng.randrange(201, 989)
    style = rng.randrange(3)
    line = f"01{rng.randrange(100):02d}"  # 555-0100..0199 is reserved for fiction
    if style == 0:
        return f"({area}) 555-{line}"
    if style == 1:
        return f"{area}-555-{line}"
    return f"{area}.555.{line}"


def make_ndc(rng: random.Random) -> str:
    return f"{rng.randrange(0, 99999):05d}-{rng.randrange(0, 9999):04d}-{rng.randrange(0, 99):02d}"


# --- people and places ---------------------------------------------------------------------------------------------


def person_name(rng: random.Random) -> str:
    first, last = rng.choice(cat.FIRST_NAMES), rng.choice(cat.LAST_NAMES)
    if rng.random() < 0.25:
        return f"{first} {rng.choice(cat.MIDDLE_INITIALS)}. {last}"
    return f"{first} {last}"


def address(rng: random.Random) -> tuple[str, str]:
    city, state, zip3 = rng.choice(cat.CITIES)
    street = f"{rng.randrange(12, 9899)} {rng.choice(cat.STREETS)}"
    if rng.random() < 0.2:
        street += f", Suite {rng.randrange(100, 450)}"
    return street, f"{city}, {state} {zip3}{rng.randrange(10, 99)}"


def provider_name(rng: random.Random, layout: str, vision: bool) -> str:
    names = {
        "clinic": cat.CLINIC_NAMES,
        "hospital": cat.HOSPITAL_NAMES,
        "pharmacy": cat.PHARMACY_NAMES,
        "lab": cat.LAB_NAMES,
        "dental_vision": cat.VISION_NAMES if vision else cat.DENTAL_NAMES,
    }[layout]
    return rng.choice(names).format(
        town=rng.choice(cat.CITIES)[0],
        last=rng.choice(cat.LAST_NAMES),
        last2=rng.choice(cat.LAST_NAMES),
        first=rng.choice(cat.FIRST_NAMES),
        saint=rng.choice(cat.SAINTS),
        num=rng.randrange(1000, 9999),
    )


# --- codes and money -----------------------------------------------------------------------------------------------


@cache
def icd_description(code: str) -> str:
    return icd.get_description(code)


def money_between(rng: random.Random, low: float | int, high: float | int, currency: str) -> Decimal:
    cents = rng.randrange(int(low * 100), int(high * 100) + 1)
    value = Decimal(cents) / 100 * RATES[currency]
    if rng.random() < 0.3:  # many list prices are whole amounts
        value = value.to_integral_value()
    return to_money(value)


def _pick_diagnoses(rng: random.Random, pool: tuple[str, ...], n: int, allow_negated: bool) -> list[Diagnosis]:
    codes = rng.sample(pool, min(n, len(pool)))
    out: list[Diagnosis] = []
    for code in codes:
        r = rng.random()
        mode = "code_desc" if r < 0.55 else ("code" if r < 0.8 else "desc")
        out.append(Diagnosis(code=code, description=icd_description(code), mode=mode))
    if allow_negated and rng.random() < 0.3:
        code = rng.choice([c for c in cat.NEGATABLE if c not in codes])
        term = cat.NEGATABLE[code]
        template = rng.choice(cat.NEGATION_TEMPLATES)
        note = template.format(term=term, Term=term[0].upper() + term[1:])
        if rng.random() < 0.5:
            note = note.rstrip(".") + f" ({code})."
        out.append(Diagnosis(code=code, description=icd_description(code), mode="negated_note", negated=True,
                             note=note))
    return out


def _items(rng: random.Random, layout: str, vision: bool, currency: str, dates: list[dt.date]) -> list[Item]:
    items: list[Item] = []
    if layout == "pharmacy":
        for drug, form, lo, hi, qty in rng.sample(cat.DRUGS, rng.randint(1, 4)):
            q = rng.choice(qty)
            amount = money_between(rng, lo, hi, currency)
            items.append(Item(make_ndc(rng), f"{drug} {form}", q, to_money(amount / q), amount, dates[0]))
        if rng.random() < 0.4:
            for name, lo, hi in rng.sample(cat.OTC_ITEMS, rng.randint(1, 2)):
                price = money_between(rng, lo, hi, currency)
                items.append(Item(None, name, 1, price, price, dates[0], taxable=True))
        return items
    pool = {
        "clinic": cat.CPT_CLINIC,
        "hospital": cat.CPT_HOSPITAL,
        "lab": cat.CPT_LAB,
        "dental_vision": cat.VISION_ITEMS if vision else cat.CDT_DENTAL,
    }[layout]
    n = {"clinic": (1, 5), "hospital": (10, 48), "lab": (2, 7), "dental_vision": (2, 6)}[layout]
    count = rng.randint(*n)
    if layout == "hospital":  # a stay repeats services
        picks = [rng.choice(pool) for _ in range(count)]
    else:
        picks = rng.sample(pool, min(count, len(pool)))
    for code, desc, lo, hi, (qlo, qhi) in picks:
        q = rng.randint(qlo, qhi)
        unit = money_between(rng, lo, hi, currency)
        items.append(Item(code, desc, q, unit, to_money(unit * q), rng.choice(dates)))
    items.sort(key=lambda i: i.service_date or dt.date.min)
    return items


def _service_dates(rng: random.Random, layout: str, window: tuple[dt.date, dt.date] | None = None) -> list[dt.date]:
    offset = rng.randrange(0, 560)
    if window is None:
        start = dt.date(2024, 6, 1) + dt.timedelta(days=offset)
    else:  # the same draw, folded into the window (first date of service within [window[0], window[1]])
        start = window[0] + dt.timedelta(days=offset % ((window[1] - window[0]).days + 1))
    if layout == "hospital":
        return [start + dt.timedelta(days=d) for d in range(rng.randint(1, 4))]
    if layout in ("clinic", "lab", "dental_vision") and rng.random() < 0.15:
        return sorted({start, start + dt.timedelta(days=rng.randint(3, 20))})
    return [start]


#: where a forced membership kind puts the draw that otherwise decides it
_KIND_DRAW = {"non_member": 0.0, "lapsed": 0.07, "terminated": 0.11, "member": 0.14, "dependent": 0.14}


def _membership(rng: random.Random, layout: str, dates: list[dt.date], vision: bool,
                kind: str | None = None) -> Membership:
    plan = DENTAL_VISION_PLAN if layout == "dental_vision" else rng.choice(PLAN_IDS)
    r = rng.random()
    if kind is not None:
        if kind not in _KIND_DRAW:
            raise ValueError(f"unknown membership kind {kind!r}")
        r = _KIND_DRAW[kind]
    first, last = dates[0], dates[-1]
    start = dt.date(first.year - rng.randint(0, 3), rng.choice((1, 1, 1, 4, 7, 10)), 1)
    if start > first:  # coverage starts before the first date of service
        start = start.replace(year=start.year - 1)
    if r < 0.07:
        return Membership("non_member", plan, start, None)
    if r < 0.11:
        end = first - dt.timedelta(days=rng.randint(5, 200))
        return Membership("lapsed", plan, min(start, end - dt.timedelta(days=365)), end)
    if r < 0.14:
        end = first - dt.timedelta(days=rng.randint(1, 90))
        return Membership("terminated", plan, min(start, end - dt.timedelta(days=180)), end)
    end = None if rng.random() < 0.6 else dt.date(last.year + rng.randint(0, 1), 12, 31)
    dependent = rng.random() < 0.25
    if kind is not None:
        dependent = kind == "dependent"
    if dependent:
        return Membership("dependent", plan, start, end)
    return Membership("member", plan, start, end)


def make_bill(rng: random.Random, layout: str, *, service_window: tuple[dt.date, dt.date] | None = None,
              membership_kind: str | None = None) -> Bill:
    """Draw one bill's content for ``layout``.

    ``service_window`` (first, last) keeps the first date of service inside it and ``membership_kind`` forces how the
    member id relates to the members fixture; both consume the same draws, so leaving them ``None`` gives exactly
    the bill a seed always gave.
    """
    if layout in INTL_LAYOUT_NAMES:
        from claimflow.samples.content_intl import make_intl_bill

        return make_intl_bill(rng, layout, service_window=service_window, membership_kind=membership_kind)
    vision = layout == "dental_vision" and rng.random() < 0.45
    currency, locale = _choose_currency(rng)
    dates = _service_dates(rng, layout, service_window)
    patient_dob = dt.date(rng.randint(1938, 2020), rng.randint(1, 12), rng.randint(1, 28))
    membership = _membership(rng, layout, dates, vision, membership_kind)
    member_id = make_member_id(rng)
    if membership.kind == "dependent":
        if re.fullmatch(r"\d{9}-\d{2}", member_id):  # family ids: subscriber -01, dependents -02, -03...
            subscriber_id = member_id[:9] + "-01"
            member_id = member_id[:9] + f"-{rng.randint(2, 4):02d}"
        else:
            subscriber_id = make_member_id(rng)
        membership = Membership(
            "dependent", membership.plan_id, membership.coverage_start, membership.coverage_end,
            subscriber_id=subscriber_id, subscriber_name=person_name(rng),
            subscriber_dob=dt.date(rng.randint(1950, 1995), rng.randint(1, 12), rng.randint(1, 28)),
        )

    pools = {
        "clinic": cat.ICD_CLINIC, "hospital": cat.ICD_HOSPITAL, "lab": cat.ICD_LAB, "pharmacy": cat.ICD_PHARMACY,
        "dental_vision": cat.ICD_VISION if vision else cat.ICD_DENTAL,
    }
    n_dx = {"clinic": (1, 3), "hospital": (2, 4), "lab": (1, 3), "pharmacy": (0, 1), "dental_vision": (1, 2)}[layout]
    diagnoses = _pick_diagnoses(rng, pools[layout], rng.randint(*n_dx), allow_negated=layout in ("clinic", "hospital"))

    items = _items(rng, layout, vision, currency, dates)
    subtotal = sum((i.amount for i in items), Decimal("0.00"))
    taxable = sum((i.amount for i in items if i.taxable), Decimal("0.00"))
    tax = to_money(taxable * Decimal(rng.choice(("0.0625", "0.07", "0.08", "0.0825")))) if taxable else Decimal("0.00")
    total = subtotal + tax
    if rng.random() < 0.04:  # a bill whose printed total does not add up
        total = to_money(total + money_between(rng, 5, 80, currency) * rng.choice((1, -1)))
        total = max(total, Decimal("1.00"))
    adjustment = to_money(total * Decimal(rng.choice(("0", "0", "0.1", "0.25", "0.4")))) if layout != "pharmacy" else (
        Decimal("0.00")
    )
    remaining = total - adjustment
    payment = to_money(remaining * Decimal(rng.choice(("0", "0", "0.2", "0.5", "1")))) if rng.random() < 0.6 else (
        Decimal("0.00")
    )
    if payment == remaining and adjustment == 0 and layout != "pharmacy":
        payment = to_money(remaining / 2)
    previous = money_between(rng, 15, 400, currency) if rng.random() < 0.2 else Decimal("0.00")
    balance = to_money(total - adjustment - payment + previous)
    if balance == total:  # the balance due must differ from the total charges
        payment = to_money(total * Decimal("0.2")) if total >= Decimal("1.00") else Decimal("0.00")
        balance = to_money(total - adjustment - payment + previous)

    last = dates[-1]
    statement = last + dt.timedelta(days=rng.randint(1, 25)) if layout != "pharmacy" else last
    labels = {key: rng.choice(values) for key, values in cat.LABELS.items()}
    return Bill(
        layout=layout,
        currency=currency,
        locale=locale,
        patient_name=person_name(rng),
        patient_dob=patient_dob,
        patient_address=address(rng),
        patient_phone=make_phone(rng),
        member_id=member_id,
        member_label=labels["member_id"],
        print_member_id=rng.random() < (0.75 if layout == "pharmacy" else 0.9),
        print_dob=rng.random() < 0.7,
        membership=membership,
        provider_name=provider_name(rng, layout, vision),
        provider_address=address(rng),
        provider_phone=make_phone(rng),
        provider_fax=make_phone(rng),
        npi=make_npi(rng),
        print_npi=rng.random() < 0.8,
        tax_id=make_tax_id(rng),
        print_tax_id=rng.random() < 0.5,
        invoice_number=make_invoice_number(rng),
        invoice_label=labels["invoice"],
        service_dates=tuple(dates),
        statement_date=statement,
        due_date=statement + dt.timedelta(days=30),
        diagnoses=tuple(diagnoses),
        items=tuple(items),
        subtotal=subtotal,
        tax=tax,
        total=total,
        adjustment=adjustment,
        payment=payment,
        previous_balance=previous,
        balance_due=balance,
        labels=labels,
    )


def _choose_currency(rng: random.Random) -> tuple[str, str]:
    total = sum(w for _, _, w in CURRENCIES)
    r = rng.randrange(total)
    for code, locale, weight in CURRENCIES:
        if r < weight:
            return code, locale
        r -= weight
    raise AssertionError("unreachable")
