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
}
MONEY_STYLES = {
    "USD": ("sym", "plain", "sym_space", "code_prefix"),
    "CAD": ("sym", "plain", "ca_sym", "code_suffix"),
    "GBP": ("sym", "plain", "code_prefix"),
    "EUR": ("eu_suffix", "eu_prefix", "eu_code", "eu_plain"),
}
SYMBOLS = {"USD": "$", "CAD": "$", "GBP": "£", "EUR": "€"}


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
    raise ValueError(f"unknown date style {style!r}")


def _group(value: Decimal, thousands: str, decimal: str) -> str:
    text = f"{abs(value):,.2f}"
    return text.replace(",", "\0").replace(".", decimal).replace("\0", thousands)


@dataclass(frozen=True)
class MoneyFormat:
    currency: str
    style: str
    negative: str  # "minus", "parens", "cr"

    def __call__(self, value: Decimal, *, symbol: bool = True) -> str:
        neg = value < 0
        c, s = self.currency, self.style
        if s.startswith("eu"):
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
        if self.style in ("plain", "eu_plain"):
            return f"{text} {self.currency}" if self.currency != "USD" else f"${text}"
        return text


def choose_formats(rng: random.Random, currency: str, locale: str) -> tuple[str, MoneyFormat]:
    date_style = rng.choice(DATE_STYLES[locale])
    money = MoneyFormat(currency, rng.choice(MONEY_STYLES[currency]), rng.choice(("minus", "minus", "parens", "cr")))
    return date_style, money
