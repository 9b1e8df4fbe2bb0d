"""Procedure and diagnosis codes: recognise what was printed, and match it against plan code specs.

Procedure codes arrive *as printed*: CPT (``99213``, ``0001F``), HCPCS Level II (``J1100``), CDT dental (``D1110``),
NDC for pharmacy in any of its printed shapes (``0002-1433-80``, ``00002-1433-80``, ``00002143380``), UB-04 revenue
codes on hospital statements (``0110``, ``0270``), sometimes with a modifier (``99213-25``). A plan names codes by spec:

* ``99213`` one code, ``99202-99215`` an inclusive range of same-shaped codes, ``D2*`` a prefix (CPT/HCPCS/CDT);
* ``NDC:*`` any NDC, ``NDC:00002*`` NDCs of one labeler (normalised 11-digit 5-4-2 form);
* ``REV:0100-0219`` revenue codes (room and board), ``REV:*`` any revenue code.

ICD-10-CM specs: ``J00-J99`` (categories), ``S00.0-S09.9``, ``Z41.1`` (the code and its children), ``chapter:10``
(a whole ICD-10-CM chapter, here J00-J99).
Specs are compiled once, at plan load; matching a code is then a few string comparisons, memoised per plan.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NDC_DASHED = re.compile(r"^(\d{4,5})-(\d{3,4})-(\d{1,2})$")
_NDC_PLAIN = re.compile(r"^\d{11}$")
_CPT = re.compile(r"^\d{4}[0-9FTU]$")
_CDT = re.compile(r"^D\d{4}$")
_HCPCS = re.compile(r"^[A-CEGHJ-MP-V]\d{4}$")
_MODIFIER = re.compile(r"^([0-9A-Z]{5})(?:[- ][0-9A-Z]{2})+$")
_REV = re.compile(r"^0\d{3}$")
_ICD = re.compile(r"^[A-Z][0-9][0-9A-Z](?:\.?[0-9A-Z]{1,4})?$")


_PROC_MEMO: dict[str, tuple[str | None, str | None]] = {}
_ICD_MEMO: dict[str, str | None] = {}
_MEMO_MAX = 100_000


def normalize_procedure(code: str | None) -> tuple[str | None, str | None]:
    """``(system, normalised code)``; ``(None, None)`` when the text is not a recognisable code (memoised).

    >>> normalize_procedure("0002-1433-80")
    ('NDC', '00002143380')
    >>> normalize_procedure(" 99213-25 ")
    ('CPT', '99213')
    """
    if code is None:
        return None, None
    hit = _PROC_MEMO.get(code)
    if hit is not None:
        return hit
    result = _normalize_procedure(code)
    if len(_PROC_MEMO) < _MEMO_MAX:
        _PROC_MEMO[code] = result
    return result


def _normalize_procedure(code: str) -> tuple[str | None, str | None]:
    c = code.strip().upper()
    if c.startswith("NDC"):
        c = c[3:].lstrip(": #")
    m = _NDC_DASHED.match(c)
    if m:
        a, b, d = m.groups()
        if (len(a), len(b), len(d)) in ((4, 4, 2), (5, 3, 2), (5, 4, 1), (5, 4, 2)):
            return "NDC", a.zfill(5) + b.zfill(4) + d.zfill(2)
        return None, None
    if _NDC_PLAIN.match(c):
        return "NDC", c
    if _REV.match(c):
        return "REV", c
    m = _MODIFIER.match(c)
    if m:
        c = m.group(1)
    if _CPT.match(c):
        return "CPT", c
    if _CDT.match(c):
        return "CDT", c
    if _HCPCS.match(c):
        return "HCPCS", c
    return None, None


def normalize_icd(code: str | None) -> str | None:
    """``'J06.9'`` → ``'J069'`` (no dot, upper case); None when it is not ICD-10-CM shaped."""
    if code is None:
        return None
    try:
        return _ICD_MEMO[code]
    except KeyError:
        pass
    c = code.strip().upper()
    result = c.replace(".", "") if _ICD.match(c) else None
    if len(_ICD_MEMO) < _MEMO_MAX:
        _ICD_MEMO[code] = result
    return result


@dataclass(frozen=True, slots=True)
class CodeSpec:
    """One compiled spec: exact code, inclusive range or prefix, optionally restricted to a code system."""

    text: str
    system: str | None  # "NDC", "REV", or None (a CPT, HCPCS or CDT code)
    lo: str
    hi: str
    prefix: bool

    def matches(self, system: str, code: str) -> bool:
        if self.system is None:
            if system in _PREFIXED:
                return False
        elif system != self.system:
            return False
        if self.prefix:
            return code.startswith(self.lo)
        if self.lo == self.hi:
            return code == self.lo
        return len(code) == len(self.lo) and self.lo <= code <= self.hi


_PREFIXED = ("NDC", "REV")


def parse_procedure_spec(text: str) -> CodeSpec:
    """Compile a procedure spec; raises ValueError naming what is wrong."""
    raw = text.strip().upper()
    system = None
    if raw.startswith("REV:"):
        system, raw = "REV", raw[4:]
        if raw.endswith("*"):
            head = raw[:-1]
            if not re.fullmatch(r"\d{0,3}", head):
                raise ValueError(f"a revenue-code prefix is up to 3 digits then '*': {text!r}")
            return CodeSpec(text, system, head, head, True)
        lo, _, hi = raw.partition("-")
        hi = hi or lo
        if not (_REV.match(lo) and _REV.match(hi)) or lo > hi:
            raise ValueError(f"revenue codes are 4 digits starting with 0, low to high: {text!r}")
        return CodeSpec(text, system, lo, hi, False)
    if raw.startswith("NDC:"):
        system, raw = "NDC", raw[4:]
        if raw.endswith("*"):
            head = raw[:-1].replace("-", "")
            if not head.isdigit() and head:
                raise ValueError(f"NDC prefix must be digits: {text!r}")
            return CodeSpec(text, system, head, head, True)
        s, c = normalize_procedure(raw)
        if s != "NDC" or c is None:
            raise ValueError(f"not an NDC: {text!r}")
        return CodeSpec(text, system, c, c, False)
    if raw.endswith("*"):
        head = raw[:-1]
        if not re.fullmatch(r"[0-9A-Z]{0,4}", head):
            raise ValueError(f"a prefix spec is up to 4 letters/digits then '*': {text!r}")
        return CodeSpec(text, None, head, head, True)
    if "-" in raw:
        lo, _, hi = raw.partition("-")
        for part in (lo, hi):
            if normalize_procedure(part)[0] in (None, "NDC", "REV"):
                raise ValueError(f"range end {part!r} is not a CPT/HCPCS/CDT code in {text!r}")
        if len(lo) != len(hi) or lo > hi or lo[0].isalpha() != hi[0].isalpha():
            raise ValueError(f"range must run from low to high over codes of one shape: {text!r}")
        return CodeSpec(text, None, lo, hi, False)
    s, c = normalize_procedure(raw)
    if s in (None, "NDC", "REV") or c is None:
        raise ValueError(f"not a CPT/HCPCS/CDT code: {text!r} (write NDC codes as 'NDC:…', revenue codes 'REV:…')")
    return CodeSpec(text, None, c, c, False)


@dataclass(frozen=True, slots=True)
class IcdSpec:
    text: str
    lo: str
    hi: str

    def matches(self, code: str) -> bool:
        head = code[: len(self.lo)]
        return len(head) == len(self.lo) and self.lo <= head <= self.hi


#: ICD-10-CM (FY2025) chapters by number, as category ranges.
ICD_CHAPTERS = {
    1: "A00-B99", 2: "C00-D49", 3: "D50-D89", 4: "E00-E89", 5: "F01-F99", 6: "G00-G99", 7: "H00-H59",
    8: "H60-H95", 9: "I00-I99", 10: "J00-J99", 11: "K00-K95", 12: "L00-L99", 13: "M00-M99", 14: "N00-N99",
    15: "O00-O9A", 16: "P00-P96", 17: "Q00-Q99", 18: "R00-R99", 19: "S00-T88", 20: "V00-Y99", 21: "Z00-Z99",
    22: "U00-U85",
}  # fmt: skip


def parse_icd_spec(text: str) -> IcdSpec:
    """``J00-J99`` / ``S00.0-S09.9`` / ``Z41.1`` / ``chapter:10``; raises ValueError naming what is wrong."""
    raw = text.strip().upper()
    if raw.startswith("CHAPTER:"):
        number = raw[8:].strip()
        if not number.isdigit() or int(number) not in ICD_CHAPTERS:
            raise ValueError(f"ICD-10-CM chapters are numbered 1-22: {text!r}")
        lo, _, hi = ICD_CHAPTERS[int(number)].partition("-")
        return IcdSpec(text, lo, hi)
    if "-" in raw:
        lo_t, _, hi_t = raw.partition("-")
        lo, hi = normalize_icd(lo_t), normalize_icd(hi_t)
        if lo is None or hi is None:
            raise ValueError(f"range ends must be ICD-10-CM codes: {text!r}")
        if len(lo) != len(hi) or lo > hi:
            raise ValueError(f"range must run from low to high over codes of one length: {text!r}")
        return IcdSpec(text, lo, hi)
    c = normalize_icd(raw)
    if c is None:
        raise ValueError(f"not an ICD-10-CM code or range: {text!r}")
    return IcdSpec(text, c, c)
