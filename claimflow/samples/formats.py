"""How dates and amounts are printed: one style per document, chosen by its locale."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTHS_LONG = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
               "November", "December")

#: Date styles by locale. Day-first locales never print month-first numerics (the reader resolves order by locale).
DATE_STYLES = {
    "us": ("mdy_slash", "iso", "mon_d_y", "dd_mon_yy", "mdy_dash", "month_d_y"),
    "ca": ("iso", "mon_d_y", "mdy_slash", "month_d_y"),
    "uk": ("dmy_slash", "iso", "d_mon_y", "dd_mon_yy"),
    "eu": ("dmy_dot", "dmy_slash", "iso", "d_mon_y"),
    # India: dd-mm-yyyy, dd/mm/yyyy, dd/mm/yy, 12-Mar-2024, 12.03.2024, 12 Mar 2024
    "in": ("dmy_dash", "dmy_slash", "dmy_slash_yy", "d_mon_y_dash", "dmy_dot", "d_mon_y"),
    "my": ("dmy_slash", "dmy_dash", "d_mon_y"),
    "sg": ("dmy_slash", "d_mon_y", "dmy_dash"),
}
MONEY_STYLES = {
    "USD": ("sym", "plain", "sym_space", "code_prefix"),
    "CAD": ("sym", "plain", "ca_sym", "code_suffix"),
    "GBP": ("sym", "plain", "code_prefix"),
    "EUR": ("eu_suffix", "eu_prefix", "eu_code", "eu_plain"),
    # Indian grouping (2,09,763.00) with ₹, Rs. or INR; some billing software prints no grouping at all
    "INR": ("inr_sym", "inr_rs", "inr_rs_space", "inr_code", "inr_plain", "inr_nogroup"),
    "MYR": ("rm", "rm_space", "myr_code"),
    "SGD": ("sgd_sym", "sgd_code", "sgd_dollar"),
}
SYMBOLS = {"USD": "$", "CAD": "$", "GBP": "£", "EUR": "€", "INR": "₹", "MYR": "RM", "SGD": "S$"}


def format_date(d: dt.date, style: str) -> str:
    match style:
        case "mdy_slash":
            return f"{d.month:02d}/{d.day:02d}/{d.year}"
        case "mdy_dash":
            return f"{d.month:02d}-{d.day:02d}-{d.year}"
        case "iso":
            return d.isoformat()
        case "mon_d_y":
            return f"{MONTHS[d.month - 1]} {d.day}, {d.year}"
        case "month_d_y":
            return f"{MONTHS_LONG[d.month - 1]} {d.day}, {d.year}"
        case "dd_mon_yy":
            return f"{d.day:02d}-{MONTHS[d.month - 1].upper()}-{d.year % 100:02d}"
        case "dmy_slash":
            return f"{d.day:02d}/{d.month:02d}/{d.year}"
        case "dmy_dot":
            return f"{d.day:02d}.{d.month:02d}.{d.year}"
        case "d_mon_y":
            return f"{d.day} {MONTHS[d.month - 1]} {d.year}"
        case "dmy_dash":
            return f"{d.day:02d}-{d.month:02d}-{d.year}"
        case "dmy_slash_yy":
            return f"{d.day:02d}/{d.month:02d}/{d.year % 100:02d}"
        case "d_mon_y_dash":
            return f"{d.day:02d}-{MONTHS[d.month - 1]}-{d.year}"
    raise ValueError(f"unknown date style {style!r}")


def _group(value: Decimal, thousands: str, decimal: str) -> str:
    text = f"{abs(value):,.2f}"
    return text.replace(",", "\0").replace(".", decimal).replace("\0", thousands)


def group_indian(value: Decimal) -> str:
    """``2,09,763.00``: the last three digits of the whole part, then groups of two (lakh, crore)."""
    whole, cents = f"{abs(value):.2f}".split(".")
    head, tail = whole[:-3], whole[-3:]
    groups = []
    while len(head) > 2:
        groups.insert(0, head[-2:])
        head = head[:-2]
    if head:
        groups.insert(0, head)
    return ",".join([*groups, tail]) + "." + cents


@dataclass(frozen=True)
class MoneyFormat:
    currency: str
    style: str
    negative: str  # "minus", "parens", "cr"

    def __call__(self, value: Decimal, *, symbol: bool = True) -> str:
        neg = value < 0
        c, s = self.currency, self.style
        if s.startswith("inr"):
            num = f"{abs(value):.2f}" if s == "inr_nogroup" else group_indian(value)
            body = {"inr_sym": f"₹{num}", "inr_rs": f"Rs.{num}", "inr_rs_space": f"Rs. {num}",
                    "inr_code": f"INR {num}", "inr_plain": num, "inr_nogroup": num}[s]
            if not symbol:
                body = num
        elif s in ("rm", "rm_space", "myr_code", "sgd_sym", "sgd_code", "sgd_dollar"):
            num = _group(value, ",", ".")
            body = {"rm": f"RM{num}", "rm_space": f"RM {num}", "myr_code": f"MYR {num}", "sgd_sym": f"S${num}",
                    "sgd_code": f"SGD {num}", "sgd_dollar": f"${num}"}[s]
            if not symbol:
                body = num
        elif s.startswith("eu"):
            num = _group(value, ".", ",")
            body = {"eu_suffix": f"{num} €", "eu_prefix": f"€{num}", "eu_code": f"EUR {num}", "eu_plain": num}[s]
            if not symbol and s != "eu_plain":
                body = num
        else:
            num = _group(value, ",", ".")
            sym = SYMBOLS[c]
            body = {
                "sym": f"{sym}{num}", "plain": num, "sym_space": f"{sym} {num}", "code_prefix": f"{c} {num}",
                "ca_sym": f"CA${num}", "code_suffix": f"{num} {c}",
            }[s]
            if not symbol:
                body = num
        if not neg:
            return body
        return {"minus": f"-{body}", "parens": f"({body})", "cr": f"{body} CR"}[self.negative]

    def emphatic(self, value: Decimal) -> str:
        """The form printed on the total line: always shows the currency, so the currency is visible."""
        text = self(value)
        if self.style in ("inr_plain", "inr_nogroup"):
            return f"Rs. {text}"
        if self.style in ("plain", "eu_plain"):
            return f"{text} {self.currency}" if self.currency != "USD" else f"${text}"
        return text


def choose_formats(rng: random.Random, currency: str, locale: str) -> tuple[str, MoneyFormat]:
    date_style = rng.choice(DATE_STYLES[locale])
    money = MoneyFormat(currency, rng.choice(MONEY_STYLES[currency]), rng.choice(("minus", "minus", "parens", "cr")))
    return date_style, money
