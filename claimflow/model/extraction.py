"""The Extraction: what claimflow read off one claim document.

Its JSON form is the contract ``claimflow/schemas/extraction.schema.json`` (copied from the shared contract);
``claimflow.schema.validate_extraction`` checks it. Unknown values are ``None``, never guessed.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import rfc8785
from pydantic import BaseModel, ConfigDict, Field

from claimflow.model.document import DocumentKind
from claimflow.money import Money


class Evidence(BaseModel):
    model_config = ConfigDict(frozen=True)

    page: int = Field(ge=1)
    bbox: list[float] = Field(min_length=4, max_length=4)
    confidence: float = Field(ge=0, le=1)


class DocumentRef(BaseModel):
    model_config = ConfigDict(frozen=True)

    file: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    pages: int = Field(ge=1)
    kind: DocumentKind


class Patient(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str | None = None
    member_id: str | None = None
    date_of_birth: dt.date | None = None


class Provider(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str | None = None
    npi: str | None = Field(None, pattern=r"^\d{10}$")
    tax_id: str | None = None


class Diagnosis(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str | None = Field(None, pattern=r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")
    description: str | None = None
    negated: bool = False
    evidence: Evidence | None = None


class LineItem(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str | None = None
    description: str | None = None
    quantity: float | None = Field(None, description="A count of units, not money.")
    amount: Money | None = None
    service_date: dt.date | None = None
    evidence: Evidence | None = None


class Checks(BaseModel):
    model_config = ConfigDict(frozen=True)

    total_matches_line_items: bool | None = None


class BillPart(BaseModel):
    """One bill of a document that holds several (a bundle): its pages and what was read off them alone.

    Its line items are also the top-level ``line_items[first_line : first_line + len(line_items)]`` of the document's
    Extraction (bills in page order, lines in bill order), so a decided line (``LineResult.index``) names its bill;
    each line's evidence names its page."""

    model_config = ConfigDict(frozen=True)

    index: int = Field(ge=1, description="1-based, in page order within its document.")
    document: int = Field(1, ge=1, description="The claim's document (1-based ordinal) the bill is in.")
    pages: list[int] = Field(min_length=1, description="Its pages (1-based, ascending, contiguous).")
    first_line: int = Field(0, ge=0, description="Index of its first line item among the top-level line_items.")
    split_confidence: float = Field(1.0, ge=0, le=1, description="How sure the split is that the bill starts on its "
                                    "first page and its pages belong together.")
    patient: Patient = Field(default_factory=Patient)
    provider: Provider = Field(default_factory=Provider)
    invoice_number: str | None = None
    service_dates: list[dt.date] = Field(default_factory=list)
    diagnoses: list[Diagnosis] = Field(default_factory=list)
    line_items: list[LineItem] = Field(default_factory=list)
    total: Money | None = None
    balance_due: Money | None = None
    currency: str | None = Field(None, pattern=r"^[A-Z]{3}$")
    checks: Checks = Field(default_factory=Checks)
    fields: dict[str, Evidence] = Field(default_factory=dict, description="Evidence keyed by path within the bill.")
    warnings: list[str] = Field(default_factory=list)


class Extraction(BaseModel):
    model_config = ConfigDict(frozen=True)

    document: DocumentRef
    patient: Patient = Field(default_factory=Patient)
    provider: Provider = Field(default_factory=Provider)
    invoice_number: str | None = None
    service_dates: list[dt.date] = Field(default_factory=list, description="Ascending, no repeats.")
    diagnoses: list[Diagnosis] = Field(default_factory=list)
    line_items: list[LineItem] = Field(default_factory=list)
    total: Money | None = Field(None, description="Total charges billed, not the balance due.")
    balance_due: Money | None = None
    currency: str | None = Field(None, pattern=r"^[A-Z]{3}$")
    checks: Checks = Field(default_factory=Checks)
    fields: dict[str, Evidence] = Field(default_factory=dict, description='Evidence keyed by path, e.g. "total".')
    warnings: list[str] = Field(default_factory=list)
    extractor: str = Field("claimflow", description="Extractor name and model version that produced this.")
    bills: list[BillPart] | None = Field(
        None, description="A document holding several bills: one entry per bill (schema version 2). None for a "
        "document of one bill, whose top-level fields are that bill's. For a bundle the top-level fields are the "
        "claim-level view adjudication decides on (see ``claimflow.model.claim_extraction.combine``).")

    def bill_of_line(self, index: int) -> BillPart | None:
        """The bill whose lines include top-level line ``index`` (None for a document of one bill)."""
        for b in self.bills or ():
            if b.first_line <= index < b.first_line + len(b.line_items):
                return b
        return None

    def to_json_dict(self) -> dict[str, Any]:
        """The wire form: dates ISO 8601, money two-place strings, evidence without nulls; no ``bills`` key for a
        document of one bill (its JSON is what schema version 1 wrote)."""
        out = _drop_null_evidence(json.loads(self.model_dump_json()))
        if out.get("bills") is None:
            out.pop("bills", None)
        return out

    def canonical_bytes(self) -> bytes:
        """RFC 8785 canonical JSON: the bytes whose SHA-256 is the extraction digest in the audit log."""
        return rfc8785.dumps(self.to_json_dict())


def _drop_null_evidence(node: Any) -> Any:
    """The schema makes ``evidence`` an object when present: absent evidence is left out, not null; so is the
    ``bill`` of a line source outside a bundle (the JSON schema version 1 wrote)."""
    if isinstance(node, dict):
        return {k: _drop_null_evidence(v) for k, v in node.items() if not (k in ("evidence", "bill") and v is None)}
    if isinstance(node, list):
        return [_drop_null_evidence(v) for v in node]
    return node
