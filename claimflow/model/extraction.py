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

    def to_json_dict(self) -> dict[str, Any]:
        """The wire form: dates ISO 8601, money two-place strings, evidence without nulls."""
        return _drop_null_evidence(json.loads(self.model_dump_json()))

    def canonical_bytes(self) -> bytes:
        """RFC 8785 canonical JSON: the bytes whose SHA-256 is the extraction digest in the audit log."""
        return rfc8785.dumps(self.to_json_dict())


def _drop_null_evidence(node: Any) -> Any:
    """The schema makes ``evidence`` an object when present: absent evidence is left out, not null."""
    if isinstance(node, dict):
        return {k: _drop_null_evidence(v) for k, v in node.items() if not (k == "evidence" and v is None)}
    if isinstance(node, list):
        return [_drop_null_evidence(v) for v in node]
    return node
