"""The provider's name: the NER model's PROVIDER entity at the top of the first page, else the letterhead."""

from __future__ import annotations

import re
from collections.abc import Sequence

from extractors.fields import Entity, Found, clean_name, name_key
from extractors.layout import Row

_ORG_HINT = re.compile(
    r"\b(?:clinic|hospital|medical|health|care|pharmacy|drugs?|apothecary|chemist|lab(?:s|oratory|oratories)?|"
    r"diagnostic|imaging|radiology|dental|dentistry|eye|optical|optometry|vision|physicians|associates|group|"
    r"center|centre|practice|pediatrics|md|dds|od|sdn|bhd|enterprise|trading|store|restaurant|mart|shop|"
    r"services?|pathology|system|rx)\b", re.I)
_HEADING = re.compile(
    r"^(?:(?:patient\s+|itemized\s+|billing\s+|account\s+)?(?:statement|invoice|receipt|bill)(?:\s+of\s+account)?|"
    r"tax\s+invoice|cash\s+(?:bill|sale)|official\s+receipt|simplified\s+tax\s+invoice|page\s+\d+.*)$", re.I)


def provider_name(rows: Sequence[Row], ents: Sequence[Entity]) -> Found | None:
    """The model's PROVIDER entity nearest the top; else the letterhead: the first title-like row at the top of the
    first page (an organisation word such as "Clinic" or "Sdn Bhd" preferred), joined with the row above when that row
    holds the start of the name ("POPULAR BOOK" / "CO. (M) SDN BHD")."""
    top_rows = {r.index for r in [r for r in rows if r.page == 1][:8]}
    # the letterhead is at the top: a PROVIDER mention further down (a footer, a "make checks payable to") is not it
    pents = [e for e in ents if e.label == "PROVIDER" and len(e.text) >= 3 and e.tokens[0].row in top_rows]
    if pents:
        e = min(pents, key=lambda e: (e.tokens[0].page, e.tokens[0].row))
        same = sum(name_key(x.text) == name_key(e.text) for x in pents)
        return Found(clean_name(e.text), e.tokens, 0.9 if same > 1 or _ORG_HINT.search(e.text) else 0.75)
    top = [r for r in rows if r.page == 1][:7]
    titles: list[tuple[int, Row, str]] = []
    for i, r in enumerate(top):
        text = _REG_NO.sub("", r.text).strip(" ,.-*'\"|")
        letters = sum(c.isalpha() for c in text)
        if letters < 4 or _HEADING.match(text) or ":" in text or text.islower():
            continue
        if re.search(r"\d{3}", text) and not _ORG_HINT.search(text):
            continue
        if re.search(r"\b(?:jalan|jln|taman|road|rd|street|st|ave|suite|blvd|lot|no\.?)\b", text, re.I) and not re.search(
                r"\b(?:sdn|bhd)\b", text, re.I):
            continue  # an address line
        titles.append((i, r, text))
    if not titles:
        return None
    org = [t for t in titles if _ORG_HINT.search(t[2])]
    i, row, text = org[0] if org and org[0][0] <= titles[0][0] + 2 else titles[0]
    tokens = list(row.tokens)
    if re.match(r"^(?:sdn|bhd|co\b|\(m\)|company|inc|llc|ltd)", text, re.I) and i > 0:
        above = [t for t in titles if t[0] == i - 1]
        if above:
            text = f"{above[0][2]} {text}"
            tokens = [*above[0][1].tokens, *tokens]
    return Found(clean_name(text), tuple(tokens), 0.75 if org else 0.6)


_REG_NO = re.compile(r"\(?\b(?:co\.?\s*-?\s*reg\w*|company\s+no|reg\.?\s*no)?[\s.:]*\d{3,}[-\w]*\)?", re.I)


__all__ = ["provider_name"]
