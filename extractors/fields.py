"""Labelled scalar fields read from rows: identifiers, names, dates with their roles.

Each finder returns a :class:`Found` (value, the tokens it was read from, a certainty in 0..1) or None. Finders take
the NER model's entities as proposals: a value both the model and a label rule agree on is surer than either alone.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from extractors.layout import Row, Token
from extractors.normalize import RawDate, find_dates


@dataclass(frozen=True, slots=True)
class Found:
    value: str
    tokens: tuple[Token, ...]
    certainty: float


@dataclass(frozen=True, slots=True)
class Entity:
    """A span the NER model labelled, mapped back to OCR tokens."""

    label: str
    text: str
    tokens: tuple[Token, ...]


#: How the label of a field ends: "ID", "No.", "Number", "#", ":".
_FIELD_LABEL_END = re.compile(r"(?:#|:|\b(?:id|no|number|num)\.?)\s*$", re.I)


def _label_value(rows: Sequence[Row], label: re.Pattern[str], value: re.Pattern[str], *, max_tokens: int = 4,
                 below: bool = True, accept: Callable[[str], bool] | None = None, speck: bool = False) -> list[Found]:
    """Values matching ``value`` printed right after a ``label`` on the same row (or under it on the row below).
    A value beside the label that ``accept`` rejects (a heading's next column: "PATIENT  MEMBER ID  BIRTH DATE") does
    not hide the one under it. ``speck``: see ``_value_at``."""
    out: list[Found] = []
    farther: list[Found] = []
    for k, row in enumerate(rows):
        text = row.text
        for m in label.finditer(text):
            cand = _value_at(row, m.end(), value, max_tokens, speck)
            if cand is not None and accept is not None and not accept(cand.value):
                cand = None
            if (cand is None and below and k + 1 < len(rows) and rows[k + 1].page == row.page
                    and not _garbled_at(row, m.end())):  # the value is beside its label, misread: not below it
                cand = _value_below(row, m, rows[k + 1], value, max_tokens, speck)
                if (cand is None and k + 2 < len(rows) and rows[k + 2].page == row.page
                        and not _under(row, m, rows[k + 1]) and _FIELD_LABEL_END.search(m.group())):
                    # a heading row a photo's perspective split in two, the next row holding another column's
                    # heading: the value two rows down, taken only where no label has a nearer one (and only under
                    # a label that names a field, "INSURED ID", not a title's word, "DENTAL SERVICES INVOICE")
                    if (far := _value_below(row, m, rows[k + 2], value, max_tokens, speck)) is not None:
                        farther.append(far)
            if cand is not None:
                out.append(cand)
    return out or farther


def _under(row: Row, m: re.Match[str], nxt: Row) -> bool:
    """Whether a word of ``nxt`` stands under the label ``m`` of ``row``."""
    x0, x1 = _label_span(row, m)
    return any(t.bbox.x1 >= x0 and t.bbox.x0 <= x1 for t in nxt.tokens)


def _label_span(row: Row, m: re.Match[str]) -> tuple[float, float]:
    """Where the label ``m`` of ``row`` starts and ends across the page."""
    x0 = _x_of(row, m.start())
    label_toks = row.span_tokens(m.start(), max(m.start() + 1, m.end() - 1))
    return x0, label_toks[-1].bbox.x1 if label_toks else x0


def _value_below(row: Row, m: re.Match[str], nxt: Row, value: re.Pattern[str], max_tokens: int,
                 speck: bool = False) -> Found | None:
    """A value printed under its label (a form's column heading): the words of the next row that start under the
    label, else the first word overlapping the label's span (the heading may be centred over its value)."""
    x0, x1 = _label_span(row, m)
    starts = [t for t in nxt.tokens if t.bbox.x1 >= x0 - 5][:1]
    starts += [t for t in nxt.tokens if t.bbox.x0 <= x1 and t.bbox.x1 >= x0 and t not in starts]
    for first in starts:
        start = sum(len(t.text) + 1 for t in nxt.tokens[: nxt.tokens.index(first)])
        cand = _value_at(nxt, start, value, max_tokens, speck)
        if cand is not None:
            return Found(cand.value, cand.tokens, cand.certainty * 0.85)
    return None


def _x_of(row: Row, char: int) -> float:
    toks = row.span_tokens(char, char + 1)
    return toks[0].bbox.x0 if toks else row.tokens[0].bbox.x0


_LEAD = re.compile(r"^[\s:#.°'\"|,;_*»>=~\\\-]*")


#: Words of one value stand no farther apart than this many times their height; a group of three digits after an id
#: ("CD247  720 279", its groups set two characters apart on a justified receipt) up to ``_GROUP_GAP`` times that.
_GAP_ALLOWED = 1.5
_GROUP_GAP = 1.6
_DIGIT_GROUP = re.compile(r"\d{3}")


def _value_at(row: Row, char: int, value: re.Pattern[str], max_tokens: int, speck: bool = False) -> Found | None:
    """The longest value matching ``value`` that starts at character ``char`` of the row (after label punctuation),
    spanning at most ``max_tokens`` words with no wide gap between them. ``speck``: a full stop between two digits
    is a speck OCR read, not part of the value (a member id never prints one; an invoice number may)."""
    text = row.text
    lead = _LEAD.match(text[char:])
    start = char + (lead.end() if lead else 0)
    if start >= len(text):
        return None
    ends: list[tuple[int, int]] = []
    toks = list(row.tokens)
    first_tok: int | None = None
    pos = 0
    for i, t in enumerate(toks):
        t_end = pos + len(t.text)
        if t_end > start:
            if first_tok is None:
                first_tok = i
            else:
                allowed = _GAP_ALLOWED * max(t.height, toks[i - 1].height)
                if t.bbox.x0 - toks[i - 1].bbox.x1 > allowed * (_GROUP_GAP if _DIGIT_GROUP.fullmatch(t.text) else 1):
                    break
            ends.append((t_end, i))
            if len(ends) >= max_tokens:
                break
        pos = t_end + 1
    if first_tok is None:
        return None
    groups = text[start : ends[-1][0]].split()[1:]
    if len(groups) >= 2 and any(_DIGIT_GROUP.fullmatch(g) for g in groups) and any(
            g.isdigit() and len(g) < 3 for g in groups):
        return None  # digit groups set three by three, one of them short: a digit OCR lost ("NE794 161 65")
    for end, last in reversed(ends):
        # a quote mark OCR glued onto the front of a word ("MBR-2024- “739627"); an apostrophe inside one stays (O’Neil)
        raw = re.sub(r"(?<!\w)[“”‘’\"`]+", "", text[start:end]).strip().rstrip(",;.:|")
        printed = text[start:end].strip().rstrip(",;.:|")
        # a hyphen OCR read as a quote mark after a space ("583058181 “04" for 583058181-04): before the split
        # identifier below is joined without it
        hyphened = re.sub(r"(?<=\d) ?[“”\"](?=\d)", "-", printed)
        if hyphened != printed and value.fullmatch(hyphened):
            return Found(hyphened, tuple(toks[first_tok : last + 1]), 0.9)
        once = re.sub(r"[a-z](?=[A-Z])", lambda m: "" if raw[m.end()] == m.group().upper() else m.group(), raw)
        if len(raw) > 5 and once != raw and not any(c.islower() for c in once) and value.fullmatch(once):
            # a wide capital OCR read twice, first as its small twin ("wW491857904", "WxXA476954720"): an
            # identifier in capitals holds no small letter
            return Found(once, tuple(toks[first_tok : last + 1]), 0.9)
        variants = [raw, re.sub(r"\s*-\s*", "-", raw)]
        parts = raw.split(" ")
        if len(parts) > 1 and all(re.fullmatch(r"[\d-]+", p) for p in parts[1:]):
            variants.append("".join(parts))  # one identifier OCR split in two: "MBR-2021-51 8307", "KUY 098350413"
        for v in variants:
            if v and value.fullmatch(v):
                return Found(v, tuple(toks[first_tok : last + 1]), 1.0)
        unspecked = re.sub(r"(?<=\d)\.(?=\d)", "", raw)
        if speck and raw.count(".") == 1 and unspecked != raw and sum(c.isdigit() for c in unspecked) >= 6 \
                and value.fullmatch(unspecked):
            # a speck between two digits of a member id read as a full stop ("8071.34895-02")
            return Found(unspecked, tuple(toks[first_tok : last + 1]), 0.9)
        for v in variants:
            fixed = _id_symbols(v)
            if fixed != v and value.fullmatch(fixed):
                return Found(fixed, tuple(toks[first_tok : last + 1]), 0.9)
    return None


def _id_symbols(value: str) -> str:
    """An identifier with a letter or digit OCR read as a symbol: ``$`` opening a word of capitals and digits is an
    ``S`` (an amount holds no letters: "$42M6410386"), ``§`` is a ``5`` between digits ("CTK4206§0255") and an ``S``
    elsewhere, ``¥`` a ``Y`` ("J¥473 415 822"), ``)`` or ``]`` inside a word opened by a capital a ``J``
    ("P18)8790499"); a ``$`` after an ``S`` opening the word is the S's stroke read twice
    ("S$T883700")."""
    value = re.sub(r"(?<![\w$])S\$(?=[A-Z][A-Z0-9]*\d[A-Z0-9]*\b)", "S", value)
    value = re.sub(r"(?<![\w$])\$(?=[A-Z0-9]*[A-Z])(?=[A-Z0-9]*\d)(?=[A-Z0-9]+\b)", "S", value)
    value = re.sub(r"(?<=\d)[§$](?=\d)", "5", value)  # "63-7967$51"
    # a J, whose hook OCR reads as a closing bracket, inside a word of capitals and digits ("P18)8790499")
    value = re.sub(r"(?<!\()\b[A-Z][A-Z0-9]*[)\]][A-Z0-9]+\b", lambda m: re.sub(r"[)\]]", "J", m.group()), value)
    return value.replace("§", "S").replace("¥", "Y")


# --- identifiers ------------------------------------------------------------------------------------------------

_MEMBER_LABEL = re.compile(
    r"\b(?:member|mbr|subscriber|(?:in)?sured|insu\s?r\w*|ins|policy|patient|enrollee|beneficiary|plan|card|"
    r"health\s+plan)\s*"
    # ("InsuranceI D:": the I glued to the word before; "Insu rance ID", "Insure ID": the word split or cut)
    r"\.?\s*(?:(?:i\s?d|no|number|num)\b|#)"
    r"\.?\s*[:#]?|\bpolicy\s*(?:no|number|#)\.?\s*[:#]?|\b[I1l]D\s*#\s*:?|\bmember\s*:"
    # a form's "MBR ID" heading with its ID lost to OCR (never the MBR opening an id: "MBR-2021-518307")
    r"|\bMBR\b(?![-\w])\s*:?",
    re.I,
)
#: (no id ends in a hyphen: "H72T0528377 -" is the id and a speck read as a dash)
_MEMBER_VALUE = re.compile(r"(?=[A-Z0-9 -]*\d)[A-Z0-9][A-Z0-9-]{2,}(?<!-)(?: \d{3}){0,3}", re.I)
#: ... not a question about the bill ("Questions about this bill? Call ...").
_INVOICE_LABEL = re.compile(
    r"\b(?:invoice|inv|statement|receipt|account|acct|bill|claim|document|doc|ref(?:erence)?)(?!\s*\?)\.?\s*"
    r"(?:no|number|num|#|id)?\.?\s*[:#]?(?!-?\d)", re.I)
_INVOICE_VALUE = re.compile(r"(?=[A-Z0-9/-]*\d)[A-Z0-9][A-Z0-9/-]{3,}", re.I)
#: "NPI", also as OCR misreads its last letter ("NPE", "NPt", "NPk", "NPIL #", "NPI @"): the value must pass the NPI
#: check digit (``_npi_ok``), which a number after a misread word rarely does.
_NPI_LABEL = re.compile(r"\bNP(?:I|[A-Za-z1|]{1,2})\b\s*[#@]?\s*(?:no\.?|number)?\s*:?", re.I)
#: "Tax ID", also with its I misread ("Tax [D:"); the EIN's two digits and seven, its hyphen read as a comma, or split
#: in two by OCR ("63-4888 180", joined).
_TAX_LABEL = re.compile(r"\b(?:tax\s*[\[|]?[I1l]?d|fed(?:eral)?\s+tax\s+[\[|]?[I1l]?d|TIN|EIN)\b\s*(?:#|no\.?)?\s*:?",
                        re.I)
_TAX_VALUE = re.compile(r"\d{2}[-,]?\d{7}")


def _npi_ok(npi: str) -> bool:
    if not re.fullmatch(r"\d{10}", npi):
        return False
    total = 0
    for i, ch in enumerate(reversed("80840" + npi[:9])):
        d = int(ch)
        if i % 2 == 0:
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        total += d
    return (10 - total % 10) % 10 == int(npi[9])


#: The names of coding systems, printed as headings ("ICD-10:" under an "ID #" whose value OCR lost): never an id.
_CODE_SYSTEM = re.compile(r"(?:ICD-?(?:9|10)(?:-?CM|-?PCS)?|CPT-?4?|HCPCS|NDC|DRG|CDT)", re.I)


#: Words of a member-id label, loosely, for a number the model found without a label rule reading it: the label may
#: be garbled ("Memher ID", "WSURED ID", "AD #", "PATIENT D#") or head the column above ("BILL TO  MEMBER ID  DOB",
#: "GUARANTOR  ID  PHONE" with its ID misread, "NAME  POLK NUMBER  PHONE" for POLICY NUMBER).
_MEMBER_CONTEXT = re.compile(
    r"\b(?:mem\w*|mbr|subscriber|\w*sured|insu\s?r\w*|ins|policy|plan|card|enrollee|beneficiary|[I1l]D|AD|"
    r"patient|guarant\w*|number)\b|\bD\s*#", re.I)
#: ... but not the ids of the shop, the tax office or the till ("GST ID No:", "Inv #", "Tel No.").
_OTHER_ID_LABEL = re.compile(
    r"\b(?:gst|tax|sst|vat|reg\w*|tel|phone|fax|invoice|inv|receipt|doc|bill|order|table|cashier|counter|terminal)"
    r"\b\W*(?:(?:[I1l]D|no|number)\b|#)", re.I)
#: Words of a patient-name label, loosely, likewise ("jent: BENJAMIN D. OLIVEIRA", "BILLTO  MEMBER ID").
_PATIENT_CONTEXT = re.compile(
    r"\b(?:pat\w*|\w{0,3}[il1j]ent|name|bill\s*-?\s*to|billto|guarant\w*|\w*sured|member|subscriber|pt)\b", re.I)
#: A label ending in "#" right before a value: a number of something ("Card #:", read "Cad #:").
_NUMBER_LABEL = re.compile(r"[A-Za-z]{2,}\s*#\s*:?\s*$")


def _in_context(rows: Sequence[Row], e: Entity, context: re.Pattern[str]) -> bool:
    """Whether a word of the field's label is printed before the entity on its row or on one of the two rows above. The
    model was trained on bills, where a patient's name and member id always stand by their labels; on a document
    without them (a shop's receipt) it still marks an address ("JALAN PERMAS") or a product code ("RON95") — a value
    no label vouches for is not reported."""
    first = e.tokens[0]
    before = _OTHER_ID_LABEL.sub(  # the row's words before the value, not its own
        " ", " ".join(t.text for t in rows[first.row].tokens if t.index < first.index))
    above = [_OTHER_ID_LABEL.sub(" ", r.text) for r in rows[max(0, first.row - 2) : first.row] if r.page == first.page]
    return (any(context.search(text) for text in [*above, before])
            or bool(_NUMBER_LABEL.search(before)))  # "Cad #: MBR-2025-889551": a garbled label just before it


def member_id(rows: Sequence[Row], ents: Sequence[Entity]) -> Found | None:
    ruled = [f for f in _label_value(rows, _MEMBER_LABEL, _MEMBER_VALUE, speck=True)
             if not _is_dateish(f.value) and not _CODE_SYSTEM.fullmatch(f.value)]
    ruled = [f for f in ruled if not _NPI_LABEL.search(" ".join(t.text for t in f.tokens)) and _id_like(f.value)]
    ents = [e for e in ents if e.label == "MEMBER_ID" and _id_like(e.text) and not _is_dateish(e.text.strip(":#,; "))
            and _in_context(rows, e, _MEMBER_CONTEXT)]
    if not ruled and (garbled := _garbled_after(rows, _MEMBER_LABEL)):
        # the id printed under its label was misread ("Card #: W51%236569"): a number the model found on another
        # row (an Rx number) is not it
        ents = [e for e in ents if e.tokens[0].row in garbled]
    found = _combine(ruled, ents, _MEMBER_VALUE)
    if found is not None and _case_slip(" ".join(t.text for t in found.tokens)):
        return Found(found.value, found.tokens, min(found.certainty, 0.2))  # a letter misread: left for review
    if found is not None and (zeroed := _zero_for_o(found.value)) != found.value:
        return Found(zeroed, found.tokens, found.certainty * 0.9)
    return found


def _case_slip(value: str) -> bool:
    """A lowercase letter beside capitals in an id printed in capitals (read "WwW890641494" for W890641494), or
    opening its digits: ids are set in capitals, so the reading holds a misread the reader cannot undo."""
    return (bool(re.search(r"[A-Z][a-z]|[a-z][A-Z]", value)) and sum(c.isupper() for c in value) > sum(
        c.islower() for c in value)
            # a small letter opening a number ("a663355" for RZ794 663 355, "w73794882"): a capital misread or lost
            or bool(re.fullmatch(r"[a-z][\d -]{5,}", value)))


def _zero_for_o(value: str) -> str:
    """A member id with a zero OCR read as the letter O before digits, where a prefix meets its number
    ("JNRO03905464", "NLO39 541 588"): ids are numbers with letter prefixes, and their alphabets leave out O
    because it is read for 0 (Medicare's MBI, most insurers' prefixes)."""
    if sum(c.isdigit() for c in value) < 6:
        return value
    return re.sub(r"(?<![a-z])O(?=\d)", "0", value)


def _garbled_after(rows: Sequence[Row], label: re.Pattern[str]) -> set[int]:
    """The rows where ``label`` is followed by an identifier OCR garbled (``_garbled_at``)."""
    return {row.index for row in rows for m in label.finditer(row.text) if _garbled_at(row, m.end())}


def _garbled_at(row: Row, char: int) -> bool:
    """Whether the word at ``char`` of the row is an identifier OCR garbled: at least 5 letters and digits, a digit
    among them, and a symbol no identifier holds ("W51%236569")."""
    word = (row.text[char:].split() or [""])[0].strip("“”‘’\"`'#:,;.")
    return _id_like(word) and any(c.isdigit() for c in word) and bool(re.search(r"[^A-Za-z0-9-]", word))


def _id_like(value: str) -> bool:
    """Long enough to identify a member: at least 5 letters or digits ("G12", "006" are OCR scraps)."""
    return sum(c.isalnum() for c in value) >= 5


#: "Page 1 of 1" under a label: a page number, not an identifier.
_PAGE_NUMBER = re.compile(r"page\s*\d", re.I)


def invoice_number(rows: Sequence[Row], ents: Sequence[Entity]) -> Found | None:
    ruled = [f for f in _label_value(rows, _INVOICE_LABEL, _INVOICE_VALUE)
             if not _is_dateish(f.value) and not _PAGE_NUMBER.match(f.value)]
    return _combine(ruled, [e for e in ents if e.label == "INVOICE_NO"], _INVOICE_VALUE)


def npi(rows: Sequence[Row]) -> Found | None:
    for f in _label_value(rows, _NPI_LABEL, re.compile(r"\d{10}"), max_tokens=1):
        if _npi_ok(f.value):
            return f
    return None


def tax_id(rows: Sequence[Row]) -> Found | None:
    found = _label_value(rows, _TAX_LABEL, _TAX_VALUE, max_tokens=2)
    if not found:
        return None
    f = found[0]
    return Found(f.value.replace(",", "-"), f.tokens, f.certainty * (0.9 if "," in f.value else 1.0))


def _is_dateish(value: str) -> bool:
    return (bool(find_dates(value)) or bool(re.fullmatch(r"\(?\d{3}\)?[-.\s]?\d{3}[-.]\d{4}", value))
            or bool(re.fullmatch(r"(?:19|20)\d{2}[-/.]\d{1,2}", value))  # a date cut short: "2025-01"
            or bool(re.fullmatch(r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]{0,6}\.?\s*(?:19|20)\d{2}",
                                 value, re.I))  # a month and its year: "Dec 2024"
            # a day, a month and a year OCR misread as letters: "12JANS7" for 12-JAN-57
            or bool(re.fullmatch(r"\d{1,2}-?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)-?[\dOSIlB]{2,4}", value,
                                 re.I)))


def _combine(ruled: Sequence[Found], ents: Sequence[Entity], value: re.Pattern[str]) -> Found | None:
    """Agreement of label rule and model wins; then the rule; then the model alone (less sure)."""
    ent_values = {}
    for e in ents:
        v = e.text.strip().strip(":#,;")
        if value.fullmatch(v):
            ent_values.setdefault(name_key(v), Found(v, e.tokens, 0.8))
    for f in ruled:
        if name_key(f.value) in ent_values:
            return Found(f.value, f.tokens, 1.0)
    if ruled:
        distinct = {name_key(f.value) for f in ruled}
        return Found(ruled[0].value, ruled[0].tokens, 0.92 if len(distinct) == 1 else 0.75)
    if ent_values:
        return next(iter(ent_values.values()))
    return None


def name_key(v: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", v.upper())


# --- names ------------------------------------------------------------------------------------------------------

#: A bare "Name" labels a value only with its colon or heading a column (starting its row): mid-row it is a word of
#: a product ("309 Metal Name Badge Clip").
_PATIENT_LABEL = re.compile(
    r"\b(?:patient(?:\s+name)?|guarantor\s*/\s*patient|guarantor|bill\s+to|pt(?:\s+name)?|insured\s+name)\s*:?|"
    r"^name\b\s*:?|\bname\s*:", re.I)
_NAME_VALUE = re.compile(r"[A-Z][A-Za-z'’.-]+(?: (?:[A-Z]\.?|[A-Z][A-Za-z'’.-]+)){1,3}|[A-Z'’-]+, [A-Z][A-Za-z'’.-]+(?: [A-Z]\.?)?")
_NOT_NAME = re.compile(
    r"\b(?:id|member|dob|date|account|invoice|statement|number|no|name|address|phone|npi|provider|physician|doctor|"
    r"insurance|plan|policy|total|amount|service|clinic|hospital|pharmacy|center|medical|health|group)\b", re.I)


def _not_name(text: str) -> bool:
    """A label or heading word, also when OCR split it ("PATIENT INVO ICE" under a "Patient" label)."""
    return bool(_NOT_NAME.search(text) or _NOT_NAME.fullmatch(text.replace(" ", "")))


#: "Dr. R. Okafor": the physician, not the patient.
_PHYSICIAN = re.compile(r"dr\.?\s|[o0]r\.\s", re.I)  # "Or. S. Patel": the D misread


def patient_name(rows: Sequence[Row], ents: Sequence[Entity]) -> Found | None:
    def person(v: str) -> bool:
        return not _not_name(v) and not _PHYSICIAN.match(v)

    ruled = [f for f in _label_value(rows, _PATIENT_LABEL, _NAME_VALUE, max_tokens=4, accept=person) if person(f.value)]
    ents = [e for e in ents if e.label == "PATIENT" and person(e.text) and _in_context(rows, e, _PATIENT_CONTEXT)]
    ent_keys = {name_key(e.text): e for e in ents}
    for f in ruled:
        if name_key(f.value) in ent_keys:
            return Found(clean_name(f.value), f.tokens, 1.0)
    if ents:
        e = ents[0]
        agree = sum(name_key(x.text) == name_key(e.text) for x in ents)
        return Found(clean_name(e.text), e.tokens, 0.85 if agree > 1 or len(ents) == 1 else 0.7)
    if ruled:
        return Found(clean_name(ruled[0].value), ruled[0].tokens, 0.75)
    return None


def clean_name(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip(" :,;")


# --- dates and their roles --------------------------------------------------------------------------------------


class DateRole(StrEnum):
    service = "service"
    birth = "birth"
    statement = "statement"
    due = "due"
    other = "other"
    unlabelled = "unlabelled"


_DATE_ROLES: tuple[tuple[DateRole, re.Pattern[str]], ...] = (
    # "Birth 22 Apr 1948", "RTH DATE" (a heading's "BIRTH" cut by OCR)
    (DateRole.birth, re.compile(r"\b(?:dob|d\.o\.b\.?|birth\s*date|date\s+of\s+birth|born|birthdate|birth|"
                                r"b?i?rth\s+date)\b", re.I)),
    (DateRole.due, re.compile(r"\b(?:due|pay\s+by|please\s+pay\s+by|payment\s+due|expir\w*)\b", re.I)),
    (DateRole.service, re.compile(
        r"\b(?:date\(?s?\)?\s+of\s+service|service\s+dates?|dos|visit\s+date|date\s+of\s+visit|admi(?:t|ssion)(?:\s+date)?|"
        r"discharge(?:\s+date)?|dates?\s+served|fill(?:ed)?\s+date|date\s+filled|collect(?:ion|ed)(?:\s+date)?|"
        r"exam\s+date|treatment\s+date|from|through|thru|admitted|discharged|doa|dod)\b", re.I)),
    (DateRole.statement, re.compile(
        r"\b(?:statement|printed|billing|invoice|bill|issue[d]?|print)\s*(?:date)?\b|\bdate\s+(?:printed|issued)\b",
        re.I)),
    (DateRole.other, re.compile(
        r"\b(?:effective|coverage|since|last\s+payment|payment\s+received|paid\s+on|next\s+(?:appointment|visit)|"
        r"appointment|follow[-\s]?up|recall|return)\b", re.I)),
)


@dataclass(frozen=True, slots=True)
class DatedToken:
    raw: RawDate
    tokens: tuple[Token, ...]
    row: Row
    role: DateRole
    in_item_row: bool


def dates_in(rows: Sequence[Row], item_rows: set[int]) -> list[DatedToken]:
    """Every printed date with its role, decided by the nearest label to its left on its row (or above it)."""
    out: list[DatedToken] = []
    for k, row in enumerate(rows):
        text = row.text
        prev_end = 0
        for raw in find_dates(text):
            left = text[prev_end : raw.start]
            role = _role(left)
            if role is None and out and out[-1].row is row and re.fullmatch(
                r"\s*(?:-|–|to|thru|through|,|&|and|;)\s*", left, re.I
            ):
                role = out[-1].role  # a range or list continues: "Jun 6, 2024, Jun 20, 2024"
            if role is None and k > 0 and rows[k - 1].page == row.page:
                role = _role(_label_above(rows[k - 1], row, raw))  # a form: the label heads the column
            if role is None:
                whole = _role(text[: raw.start])
                role = whole if whole is not None else DateRole.unlabelled
            toks = tuple(row.span_tokens(raw.start, raw.end))
            out.append(DatedToken(raw, toks, row, role, row.index in item_rows))
            prev_end = raw.end
    return out


def _label_above(above: Row, row: Row, raw: RawDate) -> str:
    """The words of the row above that head the date's column (overlapping it, else the nearest to its left)."""
    toks = row.span_tokens(raw.start, raw.end)
    if not toks or find_dates(above.text):
        return ""
    x0, x1 = toks[0].bbox.x0, toks[-1].bbox.x1
    over = [t for t in above.tokens if t.bbox.x1 >= x0 - 15 and t.bbox.x0 <= x1 + 15]
    if over:
        # extend to the whole label phrase: neighbours closer than a word gap
        i0 = above.tokens.index(over[0])
        while i0 > 0 and over[0].bbox.x0 - above.tokens[i0 - 1].bbox.x1 < 1.2 * over[0].height:
            i0 -= 1
            over.insert(0, above.tokens[i0])
        return " ".join(t.text for t in over)
    left = [t for t in above.tokens if t.bbox.x1 < x0]
    return left[-1].text if left else ""


def date_role(label: str) -> DateRole | None:
    """The role the label words left of a date give it (None: no label word)."""
    return _role(label)


def _role(label: str) -> DateRole | None:
    # the label nearest the date decides: search the last 40 characters, latest match wins
    tail = label[-40:]
    best: tuple[int, DateRole] | None = None
    for role, pattern in _DATE_ROLES:
        for m in pattern.finditer(tail):
            if best is None or m.start() > best[0]:
                best = (m.start(), role)
    if best is None and re.search(r"\bdate\b", tail, re.I):
        return DateRole.unlabelled
    return best[1] if best else None


#: A date of service is billed within a few years of the latest date printed on the document (statement, due,
#: next appointment); an older date is a birth date or a history entry whose label the OCR lost. Timely filing
#: limits are one to two years; three leaves room for late corrected bills.
MAX_SERVICE_AGE = dt.timedelta(days=3 * 366)


#: The labels a date of service is written after on a form or a bill (not "from" or "through": they open other text).
_SERVICE_LABEL = re.compile(
    r"\b(?:date\(?s?\)?\s+of\s+service|service\s+dates?|dos|visit\s+date|date\s+of\s+visit|admi(?:t|ssion)\s+date|"
    r"discharge\s+date|dates?\s+served|fill(?:ed)?\s+date|date\s+filled|collect(?:ion|ed)\s+date|exam\s+date|"
    r"treatment\s+date)\b\s*[:.;]?", re.I)


def unread_service_date(rows: Sequence[Row]) -> tuple[Row, str] | None:
    """The first row where a date-of-service label is followed by a value that holds digits yet reads as no date
    ("Visit Date: 2024-N-09", "Service Date: TOL 21, 2025": a date written by hand and misread), with the value's
    words: a date of service is on the document, and another date on it is the date of service only if it fits
    what could be read of it (``_fits``)."""
    for row in rows:
        for m in _SERVICE_LABEL.finditer(row.text):
            after = row.text[m.end() :].lstrip()
            value = after.split()[:3]  # the value's first words ("0§- -215", "TOL 21, 2025")
            if not any(c.isdigit() for c in "".join(value[:2])) or sum(c.isdigit() for c in "".join(value)) < 2:
                continue  # a heading ("DOS  CPT  Description"), or nothing written
            if not any(d.start <= 1 for d in find_dates(after)):
                return row, " ".join(value)
    return None


def _fits(date: dt.date, misread: str) -> bool:
    """Whether every number read in a misread date is the day, month or year of ``date`` ("ary 3, 2025" fits
    2025-02-03; "2024-N-09" does not fit 2024-12-03)."""
    return all(int(n) in (date.day, date.month, date.year, date.year % 100) for n in re.findall(r"\d+", misread))


def service_dates(dated: Sequence[DatedToken], *, day_first: bool, unread: str | None = None,
                  unread_by_hand: bool = False) -> tuple[list[tuple[dt.date, DatedToken]], float]:
    """Dates of service (ascending, unique) with the token each was first read from, and a certainty.

    Labelled service dates and dates on line-item rows count. Without either, a document with exactly one
    date that is not a birth, due or statement date (a receipt) takes that date, less surely — unless ``unread``
    (the words of a date of service written under its label that could not be read, ``unread_service_date``) does
    not fit it: another date is the date of service only where what could be read of it agrees, and never where the
    unread date is on a page with handwriting (``unread_by_hand``: it was most likely written by hand, and what
    little was read of it is too little to tell it from a printed date beside it). A labelled period of
    service bounds the dates of the line items: one outside it is a misread and not taken. Dates that cannot be a
    date of service are never taken: the patient's date of birth printed again without its label (a date labelled as
    the date of service is kept: a newborn's stay) and dates far older than the latest date on the document
    (``MAX_SERVICE_AGE``).
    """
    read = [(d, d.raw.resolve(day_first=day_first)) for d in dated]
    value_of = {id(d): v for d, v in read}
    births = {v for d, v in read if d.role is DateRole.birth and v is not None}
    latest = _latest_corroborated([v for _, v in read if v is not None]) or max(
        (v for d, v in read if v is not None and d.role not in (DateRole.unlabelled, DateRole.birth)), default=None)
    dated = [d for d, v in read
             if v is None or ((d.role is DateRole.service or v not in births)  # a newborn is seen on its birthday
                              and (latest is None or v >= latest - MAX_SERVICE_AGE))]
    chosen = [d for d in dated if d.role is DateRole.service or (d.in_item_row and d.role is not DateRole.birth)]
    period = sorted({v for d, v in read if d.role is DateRole.service and not d.in_item_row and v is not None})
    if len(period) >= 2:
        # a labelled period of service ("Service Date: 15/07/2025 - 17/07/2025") bounds the dates of its line items:
        # an item date outside it is a misread ("5/07/2025", its first digit lost)
        chosen = [d for d in chosen if d.role is DateRole.service or (
            (v := value_of[id(d)]) is None or period[0] <= v <= period[-1])]
    certainty = 0.97
    fell_back = not chosen
    if not chosen:
        pool = [d for d in dated if d.role in (DateRole.unlabelled,)]
        distinct = {value_of[id(d)] for d in pool} - {None}
        if len(distinct) == 1:
            chosen, certainty = pool[:1], 0.85
        elif not pool:
            stmt = [d for d in dated if d.role is DateRole.statement]
            if len({value_of[id(d)] for d in stmt} - {None}) == 1 and not any(
                d.role is DateRole.service for d in dated
            ):
                chosen, certainty = stmt[:1], 0.6
        elif _misreads_of_one(distinct):
            # "18/03/16" beside "18/03/18": one printed date read twice, once with a digit wrong; the clearer reading
            chosen, certainty = [max(pool, key=_clarity)], 0.7
        else:
            chosen, certainty = pool[:1], 0.6
    if fell_back and unread is not None:
        chosen = [d for d in chosen if not unread_by_hand and (v := value_of[id(d)]) is not None and _fits(v, unread)]
        certainty *= 0.9
    by_date: dict[dt.date, DatedToken] = {}
    for d in chosen:
        value = value_of[id(d)]
        if value is not None and value not in by_date:
            by_date[value] = d
    for d in dated:  # a date printed twice ("Date: 12/28/2017", "2017-12-28" at the foot) is evidenced by its
        value = value_of[id(d)]  # clearer reading
        if value in by_date and _clarity(d) > _clarity(by_date[value]):
            by_date[value] = d
    if any(d.raw.ambiguous for d in by_date.values()):
        certainty -= 0.07
    if by_date and by_date[min(by_date)].raw.repaired:
        certainty -= 0.15  # the first date was read through an OCR digit repair
    return sorted(by_date.items()), certainty


def _clarity(d: DatedToken) -> float:
    return min(t.confidence for t in d.tokens)


def _misreads_of_one(values: set[dt.date]) -> bool:
    """Whether every two of these dates differ in one printed digit only (2016-03-18 and 2018-03-18): readings of
    the same date, one of them with a digit misread, rather than two dates."""
    def apart(a: dt.date, b: dt.date) -> int:
        return sum(x != y for x, y in zip(a.strftime("%Y%m%d"), b.strftime("%Y%m%d")))

    vs = sorted(values)
    return len(vs) > 1 and all(apart(a, b) == 1 for i, a in enumerate(vs) for b in vs[i + 1 :])


def _latest_corroborated(values: list[dt.date]) -> dt.date | None:
    """The latest date that another date on the document lies near (within ``MAX_SERVICE_AGE``): a lone far-off
    date — a year misread as 2048, a birth date — is never the reference. (Where no two dates agree, the caller
    takes the latest date read under a label that is not the birth date's: a statement, due or appointment date.)"""
    near = [v for i, v in enumerate(values)
            if any(abs(v - w) <= MAX_SERVICE_AGE for j, w in enumerate(values) if j != i)]
    return max(near, default=None)


def birth_date(dated: Sequence[DatedToken], *, day_first: bool) -> tuple[dt.date, DatedToken] | None:
    for d in dated:
        if d.role is DateRole.birth:
            value = d.raw.resolve(day_first=day_first)
            if value is not None:
                return value, d
    return None


__all__ = ["DateRole", "DatedToken", "Entity", "Found", "birth_date", "clean_name", "date_role", "dates_in",
           "invoice_number", "member_id", "name_key", "npi", "patient_name", "service_dates", "tax_id", "unread_service_date"]
