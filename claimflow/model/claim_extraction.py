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
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field

from claimflow.model.extraction import Checks, Diagnosis, DocumentRef, Evidence, Extraction, LineItem, Patient, Provider

M = TypeVar("M", bound=BaseModel)
_INDEXED = re.compile(r"^(line_items|diagnoses)\[(\d+)\](.*)$")


class Source(BaseModel):
    """Where a merged value was read: the claim's document (1-based ordinal and sha256) and its page."""

    model_config = ConfigDict(frozen=True)

    document: int = Field(ge=1)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    page: int | None = Field(None, ge=1)


class ClaimExtraction(Extraction):
    """An Extraction over several documents, every line and diagnosis traceable to its document and page."""

    documents: list[DocumentRef] = Field(min_length=2)
    line_sources: list[Source] = Field(default_factory=list, description="One per line item, same order.")
    diagnosis_sources: list[Source] = Field(default_factory=list, description="One per diagnosis, same order.")
    field_sources: dict[str, int] = Field(default_factory=dict, description="Document ordinal of each `fields` key.")


def load_extraction(data: dict) -> Extraction:
    """The stored JSON back as the model it was written from."""
    return ClaimExtraction.model_validate(data) if "documents" in data else Extraction.model_validate(data)


def _first(values: Sequence[object | None]) -> object | None:
    return next((v for v in values if v is not None), None)


def _first_model(models: Sequence[M], cls: type[M]) -> M:
    return cls(**{name: _first([getattr(m, name) for m in models]) for name in cls.model_fields})


def _sum(values: Sequence[Decimal | None]) -> Decimal | None:
    return None if any(v is None for v in values) else sum(values, Decimal("0.00"))  # type: ignore[arg-type]


def merge_extractions(extractions: Sequence[Extraction]) -> Extraction:
    """One extraction for a claim's documents, in submission order (see the module docstring for the rule)."""
    if not extractions:
        raise ValueError("a claim has at least one document")
    if len(extractions) == 1:
        return extractions[0]
    warnings: list[str] = []
    lines: list[LineItem] = []
    line_sources: list[Source] = []
    diagnoses: list[Diagnosis] = []
    diagnosis_sources: list[Source] = []
    fields: dict[str, Evidence] = {}
    field_sources: dict[str, int] = {}
    seen_codes: set[tuple[str, bool]] = set()
    for n, x in enumerate(extractions, start=1):
        sha = x.document.sha256
        line_index = {i: len(lines) + i for i in range(len(x.line_items))}
        for item in x.line_items:
            lines.append(item)
            line_sources.append(Source(document=n, sha256=sha, page=item.evidence.page if item.evidence else None))
        dx_index: dict[int, int] = {}
        for i, dx in enumerate(x.diagnoses):
            if dx.code is not None and (dx.code, dx.negated) in seen_codes:
                continue
            if dx.code is not None:
                seen_codes.add((dx.code, dx.negated))
            dx_index[i] = len(diagnoses)
            diagnoses.append(dx)
            diagnosis_sources.append(Source(document=n, sha256=sha, page=dx.evidence.page if dx.evidence else None))
        for key, ev in x.fields.items():
            m = _INDEXED.match(key)
            if m:
                index = (line_index if m.group(1) == "line_items" else dx_index).get(int(m.group(2)))
                if index is None:
                    continue  # a repeated diagnosis: the first document's evidence stands
                key = f"{m.group(1)}[{index}]{m.group(3)}"
            if key not in fields:
                fields[key] = ev
                field_sources[key] = n
        warnings.extend(f"document {n}: {w}" for w in x.warnings)

    currencies = sorted({x.currency for x in extractions if x.currency is not None})
    total = _sum([x.total for x in extractions])
    balance = _sum([x.balance_due for x in extractions])
    if len(currencies) > 1:
        warnings.append(f"the documents name different currencies ({', '.join(currencies)}): no claim total")
        total = balance = None
    elif total is None and any(x.total is not None for x in extractions):
        missing = [str(n) for n, x in enumerate(extractions, start=1) if x.total is None]
        warnings.append(f"no total read on document(s) {', '.join(missing)}: no claim total")
    checks = [x.checks.total_matches_line_items for x in extractions]
    matches = False if False in checks else (True if all(c is True for c in checks) else None)
    first = extractions[0]
    return ClaimExtraction(
        document=first.document,
        documents=[x.document for x in extractions],
        patient=_first_model([x.patient for x in extractions], Patient),
        provider=_first_model([x.provider for x in extractions], Provider),
        invoice_number=_first([x.invoice_number for x in extractions]),  # type: ignore[arg-type]
        service_dates=sorted({d for x in extractions for d in x.service_dates}),
        diagnoses=diagnoses,
        line_items=lines,
        total=total,
        balance_due=balance,
        currency=currencies[0] if len(currencies) == 1 else None,
        checks=Checks(total_matches_line_items=matches),
        fields=fields,
        warnings=warnings,
        extractor=first.extractor,
        line_sources=line_sources,
        diagnosis_sources=diagnosis_sources,
        field_sources=field_sources,
    )
