"""A claim of several documents (a bill, a prescription, a discharge summary) is decided on one extraction.

The rule (``merge_extractions``; docs/api.md "Claims of several documents"):

* every document is OCR'd and extracted on its own, in the order submitted (document 1 is the claim's
  ``document_sha256``);
* line items are concatenated in document order; ``line_sources[i]`` says which document (1-based ordinal, sha256)
  and page line ``i`` was read from; diagnoses likewise (``diagnosis_sources``), a diagnosis code already listed by
  an earlier document (same code, same negation) is not repeated;
* header fields (each field of ``patient`` and ``provider``, ``invoice_number``) come from the first document that
  has them; ``field_sources`` names the document of every evidence entry in ``fields``;
* ``service_dates`` are the union of the documents' dates, ascending;
* ``total`` and ``balance_due`` are the sum of the documents' values when every document has one and all documents
  that name a currency name the same one; otherwise they are unknown (None) and a warning says why — an unknown part
  makes the sum unknown, it is never guessed;
* ``checks.total_matches_line_items`` is False if any document's is False, True if all are True, else None;
* evidence keyed by a line or diagnosis index (``line_items[2].amount``) is re-keyed to the merged index;
* warnings are kept, each prefixed with its document (``document 2: …``).

A claim of one document is decided on that document's extraction unchanged (same JSON, same digest).

A document holding several bills (a bundle) is read bill by bill and combined by the same rule (``combine_bills``):
its top-level fields are the claim-level view, its ``bills`` list each bill as read; a merged line of such a
document names its bill in ``line_sources[i].bill``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from claimflow.model.extraction import (
    BillPart,
    Checks,
    Diagnosis,
    DocumentRef,
    Evidence,
    Extraction,
    LineItem,
    Patient,
    Provider,
)

M = TypeVar("M", bound=BaseModel)
_INDEXED = re.compile(r"^(line_items|diagnoses)\[(\d+)\](.*)$")


class Source(BaseModel):
    """Where a merged value was read: the claim's document (1-based ordinal and sha256) and its page."""

    model_config = ConfigDict(frozen=True)

    document: int = Field(ge=1)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    page: int | None = Field(None, ge=1)
    bill: int | None = Field(None, ge=1, description="The bill (``BillPart.index``) within that document, for a "
                             "document holding several bills; None for a document of one bill.")


class ClaimExtraction(Extraction):
    """An Extraction over several documents, every line and diagnosis traceable to its document and page."""

    documents: list[DocumentRef] = Field(min_length=2)
    line_sources: list[Source] = Field(default_factory=list, description="One per line item, same order.")
    diagnosis_sources: list[Source] = Field(default_factory=list, description="One per diagnosis, same order.")
    field_sources: dict[str, int] = Field(default_factory=dict, description="Document ordinal of each `fields` key.")


def load_extraction(data: dict) -> Extraction:
    """The stored JSON back as the model it was written from."""
    return ClaimExtraction.model_validate(data) if "documents" in data else Extraction.model_validate(data)


def _shift(ev: Evidence | None, offset: int) -> Evidence | None:
    return None if ev is None else ev.model_copy(update={"page": ev.page + offset})


def shift_pages(x: Extraction, offset: int) -> Extraction:
    """``x`` with every evidence page moved by ``offset``: a bill read from its own pages (numbered from 1), placed
    after ``offset`` pages of its document."""
    if not offset:
        return x
    return x.model_copy(update={
        "line_items": [li.model_copy(update={"evidence": _shift(li.evidence, offset)}) for li in x.line_items],
        "diagnoses": [d.model_copy(update={"evidence": _shift(d.evidence, offset)}) for d in x.diagnoses],
        "fields": {k: _shift(e, offset) for k, e in x.fields.items()},
    })


def line_sources(extraction: Extraction) -> list[Source]:
    """Where each line item of ``extraction`` was read: document, page and (in a document of several bills) bill."""
    if isinstance(extraction, ClaimExtraction):
        return extraction.line_sources
    sha = extraction.document.sha256
    return [Source(document=1, sha256=sha, page=item.evidence.page if item.evidence else None,
                   bill=bill.index if (bill := extraction.bill_of_line(i)) is not None else None)
            for i, item in enumerate(extraction.line_items)]


def _first(values: Sequence[object | None]) -> object | None:
    return next((v for v in values if v is not None), None)


def _first_model(models: Sequence[M], cls: type[M]) -> M:
    return cls(**{name: _first([getattr(m, name) for m in models]) for name in cls.model_fields})


def _sum(values: Sequence[Decimal | None]) -> Decimal | None:
    return None if any(v is None for v in values) else sum(values, Decimal("0.00"))  # type: ignore[arg-type]


@dataclass
class _Merged:
    """What both merges share: the claim-level fields (``Extraction`` keyword arguments), and for each merged line,
    diagnosis and ``fields`` key the part (1-based) it came from, with the line's index within that part."""

    fields: dict[str, Any]
    line_parts: list[tuple[int, int]]
    diagnosis_parts: list[int]
    field_parts: dict[str, int]


def _merge(parts: Sequence[Extraction], what: str) -> _Merged:
    """Merge ``parts`` (documents, or the bills of one document) by the rule of the module docstring; ``what``
    names a part in warnings ("document", "bill")."""
    warnings: list[str] = []
    lines: list[LineItem] = []
    line_parts: list[tuple[int, int]] = []
    diagnoses: list[Diagnosis] = []
    diagnosis_parts: list[int] = []
    fields: dict[str, Evidence] = {}
    field_parts: dict[str, int] = {}
    seen_codes: set[tuple[str, bool]] = set()
    for n, x in enumerate(parts, start=1):
        line_index = {i: len(lines) + i for i in range(len(x.line_items))}
        for i, item in enumerate(x.line_items):
            lines.append(item)
            line_parts.append((n, i))
        dx_index: dict[int, int] = {}
        for i, dx in enumerate(x.diagnoses):
            if dx.code is not None and (dx.code, dx.negated) in seen_codes:
                continue
            if dx.code is not None:
                seen_codes.add((dx.code, dx.negated))
            dx_index[i] = len(diagnoses)
            diagnoses.append(dx)
            diagnosis_parts.append(n)
        for key, ev in x.fields.items():
            m = _INDEXED.match(key)
            if m:
                index = (line_index if m.group(1) == "line_items" else dx_index).get(int(m.group(2)))
                if index is None:
                    continue  # a repeated diagnosis: the first part's evidence stands
                key = f"{m.group(1)}[{index}]{m.group(3)}"
            if key not in fields:
                fields[key] = ev
                field_parts[key] = n
        warnings.extend(f"{what} {n}: {w}" for w in x.warnings)

    currencies = sorted({x.currency for x in parts if x.currency is not None})
    total = _sum([x.total for x in parts])
    balance = _sum([x.balance_due for x in parts])
    if len(currencies) > 1:
        warnings.append(f"the {what}s name different currencies ({', '.join(currencies)}): no claim total")
        total = balance = None
    elif total is None and any(x.total is not None for x in parts):
        missing = [str(n) for n, x in enumerate(parts, start=1) if x.total is None]
        warnings.append(f"no total read on {what}(s) {', '.join(missing)}: no claim total")
    checks = [x.checks.total_matches_line_items for x in parts]
    matches = False if False in checks else (True if all(c is True for c in checks) else None)
    merged = {
        "patient": _first_model([x.patient for x in parts], Patient),
        "provider": _first_model([x.provider for x in parts], Provider),
        "invoice_number": _first([x.invoice_number for x in parts]),
        "service_dates": sorted({d for x in parts for d in x.service_dates}),
        "diagnoses": diagnoses,
        "line_items": lines,
        "total": total,
        "balance_due": balance,
        "currency": currencies[0] if len(currencies) == 1 else None,
        "checks": Checks(total_matches_line_items=matches),
        "fields": fields,
        "warnings": warnings,
        "extractor": parts[0].extractor,
    }
    return _Merged(merged, line_parts, diagnosis_parts, field_parts)


def merge_extractions(extractions: Sequence[Extraction]) -> Extraction:
    """One extraction for a claim's documents, in submission order (see the module docstring for the rule)."""
    if not extractions:
        raise ValueError("a claim has at least one document")
    if len(extractions) == 1:
        return extractions[0]
    m = _merge(extractions, "document")

    def source(n: int, i: int | None, item: Diagnosis | LineItem) -> Source:
        x = extractions[n - 1]
        bill = x.bill_of_line(i) if i is not None else None
        return Source(document=n, sha256=x.document.sha256, page=item.evidence.page if item.evidence else None,
                      bill=bill.index if bill is not None else None)

    bills: list[BillPart] = []
    offset = 0
    for n, x in enumerate(extractions, start=1):
        bills += [b.model_copy(update={"document": n, "first_line": b.first_line + offset}) for b in x.bills or ()]
        offset += len(x.line_items)
    return ClaimExtraction(
        document=extractions[0].document,
        documents=[x.document for x in extractions],
        **m.fields,
        bills=bills or None,
        line_sources=[source(n, i, item) for (n, i), item in zip(m.line_parts, m.fields["line_items"], strict=True)],
        diagnosis_sources=[source(n, None, dx) for n, dx in zip(m.diagnosis_parts, m.fields["diagnoses"],
                                                                 strict=True)],
        field_sources=m.field_parts,
    )


def combine_bills(document: DocumentRef, parts: Sequence[tuple[list[int], float, Extraction]]) -> Extraction:
    """The Extraction of a document holding several bills, from each bill's (pages, split confidence, extraction
    of those pages alone), in page order. Its top-level fields are the claim-level view adjudication decides on, by
    the same rule as a claim of several documents (module docstring): line items and diagnoses concatenated in bill
    order, header fields from the first bill that has them, service dates the union, total and balance the sums
    (unknown when a bill's is unknown); ``bills`` holds each bill as read. One part: its extraction unchanged."""
    if not parts:
        raise ValueError("a document has at least one bill")
    if len(parts) == 1:
        return parts[0][2]
    m = _merge([x for _, _, x in parts], "bill")
    bills: list[BillPart] = []
    first = 0
    for n, (pages, confidence, x) in enumerate(parts, start=1):
        bills.append(BillPart(
            index=n, pages=pages, first_line=first, split_confidence=round(confidence, 3), patient=x.patient,
            provider=x.provider, invoice_number=x.invoice_number, service_dates=x.service_dates,
            diagnoses=x.diagnoses, line_items=x.line_items, total=x.total, balance_due=x.balance_due,
            currency=x.currency, checks=x.checks, fields=x.fields, warnings=x.warnings))
        first += len(x.line_items)
    return Extraction(document=document, **m.fields, bills=bills)
