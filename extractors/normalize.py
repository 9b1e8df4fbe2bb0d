"""Normalizers: printed money and dates (as OCR reads them) to values. Pure functions, no I/O.

Money comes back as a two-place ``Decimal`` (the one rounding rule of ``claimflow.money``); dates as ``datetime.date``
with the day/month order of all-numeric dates decided per document (:func:`infer_day_first`), never per date alone
when the date itself is ambiguous.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal

from claimflow.money import to_money

# --- money ------------------------------------------------------------------------------------------------------

#: Letters OCR reads in place of digits. Applied only inside a token that is otherwise money-shaped.
_DIGIT_CONFUSIONS = str.maketrans({"O": "0", "o": "0", "D": "0", "Q": "0", "S": "5", "s": "5", "l": "1", "I": "1",
                                   "i": "1", "|": "1", "B": "8", "Z": "2", "z": "2", "g": "9", "G": "6"})
_CURRENCY_SIGNS = {"$": "USD", "US$": "USD", "USD": "USD", "RM": "MYR", "MYR": "MYR", "€": "EUR", "EUR": "EUR",
                   "£": "GBP", "GBP": "GBP", "CAD": "CAD", "C$": "CAD", "CA$": "CAD", "CDN$": "CAD", "AUD": "AUD", "A$": "AUD", "INR": "INR",
                   "₹": "INR", "Rs.": "INR", "Rs": "INR", "RS.": "INR", "RS": "INR", "SGD": "SGD", "S$": "SGD", "JPY": "JPY", "¥": "JPY", "CHF": "CHF", "MXN": "MXN"}
_SIGN_RE = "|".join(sorted((re.escape(s) for s in _CURRENCY_SIGNS), key=len, reverse=True))
#: One money-looking token: optional sign/currency, digits (maybe OCR-confused) with separators, two decimals.
_MONEY_TOKEN = re.compile(
    rf"^(?P<neg1>[-(])?\s*(?P<cur>{_SIGN_RE})?\s*(?P<neg2>-)?"
    r"(?P<num>[0-9OoDQSslIi|BZzgG][0-9OoDQSslIi|BZzgG.,' ]*?[0-9OoDQSslIi|BZzgG]{2})"
    rf"\s*(?P<cur2>{_SIGN_RE})?"  # the sign after the amount, as Europe prints it: "141,69 €", "141,69€"
    r"\)?\s*(?P<neg3>-|[Cc][Rr])?$"  # a credit: "38.82 CR", read "cR" too
)


@dataclass(frozen=True, slots=True)
class MoneyValue:
    amount: Decimal
    currency: str | None
    #: Whether OCR letters had to be read as digits (lowers confidence).
    repaired: bool


#: Quote marks and tildes OCR glues onto either end of a printed amount (``“31.00``, ``~50.00``, ``64.80"``).
_GLUED_MARKS = "\"'“”‘’„~`"
#: Marks before the digits that a lenient reading drops ("—/18.00"); a minus, a parenthesis or a sign stays.
_LEADING_JUNK = re.compile(r"^[^\w$€£¥₹(\-]+")


def parse_money(text: str, *, require_cents: bool = True, lenient: bool = False) -> MoneyValue | None:
    """Read one printed amount: ``$1,234.50``, ``1.234,50``, ``RM 12.30``, ``Rs. 2,09,763.00``, ``(45.00)``,
    ``12.5O`` → Decimal.

    Thousands separators are told from the decimal mark by position (the last ``.``/``,`` followed by exactly two
    digits is the decimal mark); commas group by three, or by two above the thousands as India prints lakhs and
    crores (``12,34,567.00``). Without cents the text is not taken as money unless ``require_cents`` is False, so
    that quantities, codes and years are not mistaken for amounts. Quote marks and tildes glued on by OCR are
    ignored. None when it is not money.

    ``lenient`` also reads what OCR makes of an amount the caller already knows stands for money (a summary row's
    value): marks around it dropped ("—/18.00", "80."), the decimal point read as a space ("92 80"), the last cent
    lost ("174.9" → 174.90), a thousands comma read as a semicolon ("$52;955.73"), the dollar sign of a currency read
    as an S ("CAS$63,756.36", "CAS79,631.84"), the thousands mark read as the decimal one ("48,098,63") and a whole
    amount after a currency sign ("USD 33"). Such readings are flagged ``repaired``.
    """
    value = _parse_money(text, require_cents=require_cents)
    if value is not None or not lenient:
        return value
    s = _LEADING_JUNK.sub("", text.strip().strip(_GLUED_MARKS)).rstrip(".,:;")
    s = re.sub(r"(?<=\d);(?=\d{3}(?:\D|$))", ",", s)  # a thousands comma read as a semicolon: "$52;955.73"
    s = re.sub(r"^(CDN|CA|US|C|A)S\$?(?=[\d(])", r"\1$", s)  # the dollar sign of "CA$" read as an S: "CAS$63,756.36"
    # the thousands mark read as the decimal one ("48,098,63" for 48.098,63; "1.204.50" for 1,204.50): groups of
    # three, then the cents, with one mark throughout is no other way of printing an amount
    same = re.fullmatch(r"(.*?)(\d{1,3}(?:([.,])\d{3})+)\3(\d{2})(\D*)", s)
    if same:
        s = f"{same.group(1)}{same.group(2).replace(same.group(3), '')}.{same.group(4)}{same.group(5)}"
    split = re.fullmatch(r"(.*\d)\s+(\d{2})", s)
    if split and not re.search(r"[.,]\d{0,2}$", split.group(1)):
        s = f"{split.group(1)}.{split.group(2)}"
    elif re.search(r"\d[.,]\d$", s):
        s += "0"
    value = _parse_money(s, require_cents=True)
    # a whole amount after a currency sign ("USD 33"); five digits or more is an amount whose decimal point OCR lost
    # ("USD 166920" for 1,669.20), not a whole one
    whole = re.fullmatch(rf"({_SIGN_RE})\s*(\d{{1,4}})", s, re.I)
    if value is None and whole:
        cur = next(c for sign, c in _CURRENCY_SIGNS.items() if sign.upper() == whole.group(1).upper())
        value = MoneyValue(to_money(Decimal(whole.group(2))), cur, True)
    return MoneyValue(value.amount, value.currency, True) if value is not None else None


def _parse_money(text: str, *, require_cents: bool) -> MoneyValue | None:
    s = text.strip().replace("\u2212", "-").strip(_GLUED_MARKS)
    if not s or len(s) > 32:
        return None
    m = _MONEY_TOKEN.match(s)
    if not m:
        return None
    raw = m.group("num").replace(" ", "").replace("'", "")
    if not any(c.isdigit() for c in raw):
        return None
    digits = raw.translate(_DIGIT_CONFUSIONS)
    repaired = digits != raw
    if repaired and sum(c.isdigit() for c in raw) < max(2, len(raw) // 2):
        return None  # mostly letters: a word, not a misread number
    value = _split_decimal(digits, require_cents=require_cents)
    if value is None:
        return None
    if (m.group("neg1") == "(") != s.endswith(")"):
        return None  # unbalanced parenthesis
    negative = bool(m.group("neg1") or m.group("neg2") or m.group("neg3"))
    amount = to_money(-value if negative else value)
    if m.group("cur") and m.group("cur2"):
        return None  # a sign on both sides: not one amount
    cur = m.group("cur") or m.group("cur2")
    return MoneyValue(amount, _CURRENCY_SIGNS.get(cur) if cur else None, repaired)


def _split_decimal(digits: str, *, require_cents: bool) -> Decimal | None:
    if not re.fullmatch(r"[0-9.,]+", digits):
        return None
    last = max(digits.rfind("."), digits.rfind(","))
    if last >= 0 and len(digits) - last - 1 == 2:
        whole, cents = digits[:last], digits[last + 1 :]
        sep = digits[last]
        other = "," if sep == "." else "."
        # the thousands separator must group by three (or, with commas, the Indian way: lakh and crore groups of
        # two above the thousands) and differ from the decimal mark
        if whole and not re.fullmatch(rf"\d{{1,3}}(?:{re.escape(other)}\d{{3}})*|\d+", whole) and not (
                other == "," and _INDIAN_GROUPS.fullmatch(whole)):
            return None
        whole = whole.replace(other, "") or "0"
        return Decimal(f"{whole}.{cents}")
    if require_cents:
        return None
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+|\d+", digits) or _INDIAN_GROUPS.fullmatch(digits):
        return Decimal(digits.replace(",", ""))
    return None


#: The whole part of an amount grouped the Indian way: 2,09,763 (lakh), 1,02,34,567 (crore).
_INDIAN_GROUPS = re.compile(r"\d{1,2}(?:,\d{2})+,\d{3}")


#: A sign counts only beside an amount with its cents ("$8.20", "649,94 €"): OCR reads stray marks as "$", "€" or
#: "£" ("€1-0170778" for a bill number, "C$60035863" for a document number); a code ("RM", "EUR") also counts as a
#: column's heading.
_SYMBOL_RE = "|".join(sorted((re.escape(s) for s in _CURRENCY_SIGNS if not s.isalpha()), key=len, reverse=True))
_SIGN_BEFORE_AMOUNT = re.compile(rf"(?<![A-Za-z$])({_SYMBOL_RE})(?:\s?\d{{1,3}}(?:[,.]?\d{{3}})*[.,]\d{{2}}(?!\d))")
_SIGN_AFTER_AMOUNT = re.compile(rf"\d[.,]\d{{2}}\s?({_SYMBOL_RE})(?=CR\b|[^A-Za-z]|$)")  # "649,94 €", "129,99 €CR"
_CODE_WORD = re.compile(rf"(?<![A-Za-z])({'|'.join(c for c in _CURRENCY_SIGNS if c.isalpha())})(?=\s?\d|\b)")
#: Where a bare "$" is not the US dollar: Malaysian shops print "$" for the ringgit, Singapore's dollar is "$".
_DOLLAR_LOCALES = ((re.compile(r"\b(?:SDN\.?\s*BHD|BERHAD|JALAN|JLN|MALAYSIA|SELANGOR|JOHOR|KUALA\s+LUMPUR)\b", re.I),
                    "MYR"),
                   (re.compile(r"\bSINGAPORE\b", re.I), "SGD"))


#: Where a "¥" is OCR's reading of "₹" (tesseract's English model has no rupee sign): a document that names the rupee.
_RUPEE_TEXT = re.compile(r"\brupees?\b|\bGSTIN\b|\bRs\.", re.I)


def currency_of(text: str) -> str | None:
    """The currency a document states most often (``$`` → USD, ``RM`` → MYR, ...), None when none is shown. A bare
    ``$`` on a document from a country of other dollars (``_DOLLAR_LOCALES``) is that country's; a ``¥`` on a
    document that names the rupee is a ``₹`` OCR misread."""
    dollar = next((code for pattern, code in _DOLLAR_LOCALES if pattern.search(text)), "USD")
    yen = "INR" if _RUPEE_TEXT.search(text) else "JPY"
    counts: dict[str, int] = {}
    for m in [*_SIGN_BEFORE_AMOUNT.finditer(text), *_SIGN_AFTER_AMOUNT.finditer(text), *_CODE_WORD.finditer(text)]:
        sign = m.group(1)
        code = dollar if sign == "$" else (yen if sign == "¥" else _CURRENCY_SIGNS[sign])
        counts[code] = counts.get(code, 0) + 1
    if not counts:
        return None
    return max(sorted(counts), key=lambda c: counts[c])


# --- dates ------------------------------------------------------------------------------------------------------

_MONTH_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
                "november", "december")
#: Month number by the first three letters of its name (how every matched month name is looked up).
_MONTHS = {name[:3]: number for number, name in enumerate(_MONTH_NAMES, 1)}
#: (OCR reads the O of Oct and Nov as a zero on dot-matrix and thermal prints: "06-0CT-24", "N0V 3, 2025"; never
#: after a digit, where "100CT" is a pharmacy's count of 100)
_MON = r"(?P<mon>jan|feb|mar|apr|may|jun|jul|aug|sept?|oct|(?<!\d)0ct|n[o0]v|dec)[a-z]*\.?"
_DATE_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # (a space OCR put after a separator, where it split the word: "2024-09- 12")
    (re.compile(r"(?<![\d/.-])(?P<y>\d{4})[-/.] ?(?P<a>\d{1,2}) ?[-/.] ?(?P<b>\d{1,2})(?![\d/])"), "ymd"),
    (re.compile(r"(?<![\w/.-])(?P<a>\d{1,2})(?P<sep>[-/.]) ?(?P<b>\d{1,2}) ?(?P=sep) ?(?P<y>\d{4}|\d{2}(?![%\w]))(?![\d/])(?!\s*[AaPp]\.?[Mm]\b)"), "num"),
    (re.compile(rf"(?<![a-z]){_MON}[\s°'`]*(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s*(?P<y>\d{{4}})(?!\d)", re.I), "mdy"),
    # a month name OCR misspelt ("Macch 12, 2025"): matched to the nearest month below, flagged as repaired
    (re.compile(r"(?<![A-Za-z])(?P<word>[A-Za-z]{3,9})\.?[\s°'`]*(?P<d>\d{1,2}),\s*(?P<y>\d{4})(?!\d)"), "fuzzy"),
    # a numeric date with one separator lost to OCR ("2703/2018", "27/032018"): two-digit parts, a 19xx/20xx year
    (re.compile(r"(?<![\w/.-])(?P<a>\d{2})(?P<b>\d{2})(?P<sep>[-/.])(?P<y>(?:19|20)\d{2})(?![\w/.-])"), "lost"),
    (re.compile(r"(?<![\w/.-])(?P<a>\d{2})(?P<sep>[-/.])(?P<b>\d{2})(?P<y>(?:19|20)\d{2})(?![\w/.-])"), "lost"),
    (re.compile(rf"(?<!\d)(?P<d>\d{{1,2}})(?:st|nd|rd|th)?[\s\-/.]*{_MON}[\s\-/.,]*(?P<y>\d{{4}}|\d{{2}})(?!\d)", re.I),
     "dmy"),
)


@dataclass(frozen=True, slots=True)
class RawDate:
    """A date as printed, before the day/month order of all-numeric forms is decided."""

    start: int
    end: int
    year: int
    first: int  # month for mdy/ymd/dmy forms, first number for numeric forms
    second: int
    numeric: bool  # "03/07/2025": day/month order is ambiguous unless a part is > 12
    repaired: bool = False  # one OCR digit confusion was undone to make it a date ("25/12/7018")

    def resolve(self, *, day_first: bool) -> dt.date | None:
        if self.numeric:
            a, b = self.first, self.second
            if a > 12 and b <= 12:
                month, day = b, a
            elif b > 12 and a <= 12:
                month, day = a, b
            else:
                month, day = (b, a) if day_first else (a, b)
        else:
            month, day = self.first, self.second
        try:
            return dt.date(self.year, month, day)
        except ValueError:
            return None

    @property
    def ambiguous(self) -> bool:
        return self.numeric and self.first <= 12 and self.second <= 12 and self.first != self.second


def _year(text: str) -> int:
    """Four-digit year; a two-digit year is the 20xx year unless that is more than a year ahead of today (then
    19xx): "23-AUG-64" on a 2025 bill is a birth in 1964, "07-MAR-25" a visit in 2025."""
    y = int(text)
    if len(text) == 2:
        y += 2000 if 2000 + y <= dt.date.today().year + 1 else 1900
    return y


#: Digits that tesseract confuses on receipts and faint prints (thermal "0" read as 6/8, "1" as 7, ...).
_DATE_DIGIT_CONFUSIONS = {"0": "689", "6": "085", "8": "063", "9": "08", "3": "8", "5": "6", "1": "7", "7": "12",
                          "2": "7", "4": "1"}
#: Letters OCR reads for digits inside an all-numeric date ("O7/O1/18", "l2/03/2024").
_DATE_LETTER_DIGITS = str.maketrans("OoDlI", "00011")
_LETTERED_DATE = re.compile(
    r"(?<![\w/.-])(?=[\dOoDlI]*\d[\dOoDlI]*[-/.])[\dOoDlI]{1,4}[-/.][\dOoDlI]{1,2}[-/.][\dOoDlI]{2,4}(?![\w/])")


def _fuzzy_month(word: str) -> int | None:
    """The month a misspelt month name stands for: one OCR edit away from exactly one full month name."""
    from rapidfuzz.distance import Levenshtein

    w = word.lower()
    if w[:3] in _MONTHS:
        return None  # a real month name is matched by the exact patterns; this one failed there for a reason
    # three letters are a month only as a longer name with a letter lost ("une 12, 2025": June's J): one letter
    # off "May" is every "Day", "Way" and "Pay"
    hits = {i + 1 for i, name in enumerate(_MONTH_NAMES)
            if Levenshtein.distance(w, name) <= 1 and (len(w) > 3 or len(name) > len(w))}
    return hits.pop() if len(hits) == 1 else None


def _valid(raw: RawDate) -> bool:
    return 1900 <= raw.year <= 2099 and (raw.resolve(day_first=False) is not None
                                         or raw.resolve(day_first=True) is not None)


def _repair(raw: RawDate, parts: dict[str, str], kind: str, *, vary: tuple[str, ...] = ("y", "a", "b")
            ) -> RawDate | None:
    """Undo one OCR digit confusion in the ``vary`` parts of a printed date ("30/83/2018", "2618-03-23", a year
    "2048"), when exactly one single-digit change makes it a valid date (a year only within 1990..next year)."""
    options: set[tuple[int, int, int]] = set()
    for name in vary:
        digits = parts[name]
        for i, ch in enumerate(digits):
            for alt in _DATE_DIGIT_CONFUSIONS.get(ch, ""):
                changed = dict(parts, **{name: digits[:i] + alt + digits[i + 1 :]})
                y = _year(changed["y"])
                if name == "y" and not 1990 <= y <= dt.date.today().year + 1:
                    continue
                cand = RawDate(raw.start, raw.end, y, int(changed["a"]), int(changed["b"]), raw.numeric, True)
                if _valid(cand):
                    options.add((cand.year, cand.first, cand.second))
    if len(options) != 1:
        return None
    y, a, b = options.pop()
    return RawDate(raw.start, raw.end, y, a, b, numeric=kind == "num", repaired=True)


def _unletter(text: str) -> tuple[str, list[tuple[int, int]]]:
    """``text`` with the letters OCR reads for digits inside numeric dates turned back into digits (same length),
    and the spans that changed."""
    spans: list[tuple[int, int]] = []

    def fix(m: re.Match[str]) -> str:
        out = m.group().translate(_DATE_LETTER_DIGITS)
        if out != m.group():
            spans.append(m.span())
        return out

    return _LETTERED_DATE.sub(fix, text), spans


def find_dates(text: str) -> list[RawDate]:
    """Every date printed in ``text``, left to right, non-overlapping. A numeric date that is invalid as printed
    is kept only when one OCR digit confusion explains it, a year printed past next year is read through one digit
    confusion when exactly one makes it plausible (else kept as printed: an expiry date), and letters read for
    digits in a numeric date ("O7/O1/18") are read as those digits; all three are flagged ``RawDate.repaired``."""
    found: list[RawDate] = []
    taken: list[tuple[int, int]] = []
    text, unlettered = _unletter(text)
    for pattern, kind in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            g = m.groupdict()
            y = _year(g["y"])
            if kind == "num" and g["sep"] == "." and len(g["y"]) == 2 and " " in m.group(0):
                continue  # "30. 12.68" is a quantity and a price: a dotted date with a short year is printed tight
            if kind in ("ymd", "num"):
                raw: RawDate | None = RawDate(m.start(), m.end(), y, int(g["a"]), int(g["b"]), numeric=kind == "num")
                if not _valid(raw):
                    raw = _repair(raw, {"y": g["y"], "a": g["a"], "b": g["b"]}, kind)
            elif kind == "lost":
                raw = RawDate(m.start(), m.end(), y, int(g["a"]), int(g["b"]), numeric=True, repaired=True)
                if not _valid(raw):
                    raw = None
            elif kind == "fuzzy":
                month = _fuzzy_month(g["word"])
                raw = RawDate(m.start(), m.end(), y, month, int(g["d"]), numeric=False, repaired=True) if month else None
                if raw is not None and not _valid(raw):
                    raw = None
            else:
                mon = g["mon"].lower()
                raw = RawDate(m.start(), m.end(), y, _MONTHS[mon.replace("0", "o")[:3]], int(g["d"]), numeric=False,
                              repaired="0" in mon)
                if not _valid(raw):  # a year OCR misread out of range ("April 4, 2625"), as for a numeric date
                    raw = _repair(raw, {"y": g["y"], "a": str(raw.first), "b": str(raw.second)}, kind, vary=("y",))
            if raw is None:
                continue
            if raw.year > dt.date.today().year + 1 and not raw.repaired:  # "18 Mar 2048"; else kept: an expiry
                raw = _repair(raw, {"y": g["y"], "a": str(raw.first), "b": str(raw.second)}, kind, vary=("y",)) or raw
            if any(s < m.end() and m.start() < e for s, e in unlettered):
                raw = replace(raw, repaired=True)
            found.append(raw)
            taken.append((m.start(), m.end()))
    return sorted(found, key=lambda r: r.start)


#: Currencies of countries that print numeric dates day first (USD, and none at all, mean month first).
_DAY_FIRST_CURRENCIES = {"MYR", "EUR", "GBP", "INR", "SGD", "AUD", "CHF", "MXN"}


#: Words that place a document without a currency sign in a day-first country (GST/VAT/SST, Malaysian addresses),
#: in capitals or not ("Jalan Tun Razak", "Sdn. Bhd.").
_DAY_FIRST_HINTS = re.compile(r"\b(?:GST|GSTIN|CGST|SGST|VAT|SST|SDN\.? BHD|BHD|JALAN|MALAYSIA|SINGAPORE|ABN)\b", re.I)


def infer_day_first(raws: Iterable[RawDate], *, currency: str | None = None, locale_text: str | None = None) -> bool:
    """Decide the day/month order of a document's numeric dates.

    Consistency first: a numeric date whose first part is > 12 proves day-first (and second part > 12 proves
    month-first) for the whole document. Without proof, the document's locale decides: words that place it in a
    day-first country (GST, Jalan, Sdn Bhd, ...) — stronger than a currency sign, which OCR invents from stray
    marks — then its currency; US order (month first) is the default.
    """
    votes = 0
    for r in raws:
        if r.numeric and r.first != r.second:
            if r.first > 12 >= r.second:
                votes += 1
            elif r.second > 12 >= r.first:
                votes -= 1
    if votes:
        return votes > 0
    if locale_text and _DAY_FIRST_HINTS.search(locale_text):
        return True
    return currency in _DAY_FIRST_CURRENCIES if currency is not None else False


def parse_date(text: str, *, day_first: bool = False) -> dt.date | None:
    """The first date in ``text`` (see :func:`find_dates`), resolved with the given day/month order."""
    for raw in find_dates(text):
        d = raw.resolve(day_first=day_first)
        if d is not None:
            return d
    return None


__all__ = ["MoneyValue", "RawDate", "currency_of", "find_dates", "infer_day_first", "parse_date", "parse_money"]
