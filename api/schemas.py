"""Request and response schemas, one per direction (``…In`` is read from a request, ``…Public`` goes out).

Money is a two-place decimal string, dates are ISO 8601, times UTC. A table row never goes out as it is: each
response model names the fields it shows.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from claimflow.model import Extraction, PolicyStatus
from claimflow.model.claim_extraction import Source
from claimflow.money import Money

CLAIM_ID = "0b8f0c1e-3a55-4c55-9d1e-4d5ce2cfb0a1"
SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


def _utc(value: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes: they were written in UTC."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


UtcDatetime = Annotated[dt.datetime, AfterValidator(_utc)]


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# --- claims ----------------------------------------------------------------------------------------------------------


class ClaimMetadataIn(BaseModel):
    """The optional ``metadata`` part of a submission (a JSON object)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"member_id": "M-100234", "reference": "INS-2026-000871"}]})

    member_id: str | None = Field(None, min_length=1, max_length=100,
                                  description="The member the insurer says the claim is for (recorded; the "
                                              "document's member id decides).")
    reference: str | None = Field(None, min_length=1, max_length=100, description="The insurer's claim reference.")


class ClaimAccepted(_Out):
    claim_id: str
    status: str = Field(description="received, ocr_done, extracted, approved, partially_approved, denied, "
                                    "pending_review or failed.")
    status_url: str
    resubmission: bool = Field(description="True when these documents had already opened this claim.")

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"claim_id": CLAIM_ID, "status": "received", "status_url": f"/v1/claims/{CLAIM_ID}", "resubmission": False}]})


class DocumentPublic(_Out):
    ordinal: int = Field(ge=1, description="1 for the first document; GET …/documents/{ordinal} downloads it.")
    sha256: str
    media_type: str
    kind: str | None
    pages: int | None
    size_bytes: int


class ReasonPublic(_Out):
    group: str = Field(description="CO, PR, OA or PI (X12 835 group code).")
    code: str = Field(description="CARC-style reason code.")
    label: str = Field(description="CO-45 or CO-45/N381.")
    message: str
    amount: Money | None = None
    line: int | None = Field(None, description="0-based index of the line item (see extraction.line_items).")


class LinePublic(_Out):
    index: int
    code: str | None
    status: str
    billed: Money
    allowed: Money
    member_responsibility: Money
    payable: Money
    source: Source | None = Field(None, description="Where the line was read: the claim's document, its page and, "
                                  "in a document holding several bills, the bill (as in `line_sources`).")


class DecisionPublic(_Out):
    outcome: Literal["APPROVED", "PARTIALLY_APPROVED", "DENIED", "PENDING_REVIEW"]
    billed: Money
    allowed: Money
    payable: Money
    member_responsibility: Money
    proposed_payable: Money
    currency: str | None
    review_queue: str | None
    plan_id: str | None
    plan_version: str | None
    reasons: list[ReasonPublic]
    lines: list[LinePublic]
    decided_by: str = Field(description="claimflow/rules, or the reviewer's key (key:<id>).")
    decided_at: UtcDatetime
    digest: str = Field(description="SHA-256 of the decision's canonical JSON (as in the audit log).")


class HistoryEntry(_Out):
    """One decision of the claim, oldest first: the machine's, then each person's."""

    outcome: str
    payable: Money
    decided_by: str
    decided_at: UtcDatetime
    digest: str


class ClaimErrorPublic(_Out):
    kind: str
    message: str


class ClaimPublic(_Out):
    claim_id: str
    status: str
    received_on: dt.date
    created_at: UtcDatetime
    updated_at: UtcDatetime
    reference: str | None
    declared_member_id: str | None
    member_id: str | None = Field(description="The member id read off the documents.")
    documents: list[DocumentPublic]
    extraction: Extraction | None = Field(description="What was read, with evidence (page, bbox, confidence).")
    line_sources: list[Source] = Field(description="Document and page of each extracted line item, same order.")
    decision: DecisionPublic | None
    eob: str | None = Field(description="The Explanation of Benefits, plain text.")
    history: list[HistoryEntry]
    error: ClaimErrorPublic | None


class ClaimSummary(_Out):
    claim_id: str
    status: str
    received_on: dt.date
    created_at: UtcDatetime
    reference: str | None
    member_id: str | None
    outcome: str | None
    payable: Money | None
    review_queue: str | None


class ClaimPage(_Out):
    items: list[ClaimSummary]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page; null on the last page.")


# --- members and plans ---------------------------------------------------------------------------------------------


class MemberIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "member_id": "M-100234", "plan_id": "GOLD-PPO", "coverage_start": "2026-01-01", "status": "active"}]})

    member_id: str = Field(min_length=1, max_length=100)
    plan_id: str = Field(min_length=1, max_length=100)
    coverage_start: dt.date
    coverage_end: dt.date | None = None
    status: PolicyStatus = PolicyStatus.active
    subscriber_id: str | None = Field(None, min_length=1, max_length=100)
    relationship: Literal["self", "spouse", "child", "other"] = "self"
    name: str | None = Field(None, max_length=300, description="PHI: stored, never returned by the API.")
    date_of_birth: dt.date | None = Field(None, description="PHI: stored, never returned by the API.")


class MembersIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    members: list[MemberIn] = Field(min_length=1, max_length=1000)


class MembersWritten(_Out):
    written: int


class MemberPublic(_Out):
    member_id: str
    plan_id: str
    coverage_start: dt.date
    coverage_end: dt.date | None
    status: str
    subscriber_id: str | None
    relationship: str


class MemberPage(_Out):
    items: list[MemberPublic]
    next_cursor: str | None


class PlanPublic(_Out):
    id: str
    name: str
    kind: str
    currency: str
    effective_start: dt.date
    effective_end: dt.date | None
    version: str = Field(description="sha256:… of the plan file.")


# --- health --------------------------------------------------------------------------------------------------------


class Health(_Out):
    status: Literal["ok"]


class Readiness(_Out):
    status: Literal["ready", "not_ready"]
    checks: dict[str, str] = Field(description="database, documents, orchestrator: 'ok' or why not.")


# --- review --------------------------------------------------------------------------------------------------------


class CorrectionIn(BaseModel):
    """Correct one extracted field, then the claim is adjudicated again (docs/review.md lists the fields)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"field": "patient.member_id", "value": "M42G3065372"}, {"field": "line_items[0].amount", "value": "120.00"}]})

    field: str = Field(min_length=1, max_length=100)
    value: str = Field(max_length=500)


class ReopenIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"reason": "provider sent a new bill"}]})

    reason: str = Field(min_length=1, max_length=2000, description="Why (kept with the decision; audited as a digest).")


class ReviewOutcomePublic(_Out):
    """What one review step did."""

    claim_id: str
    action: str = Field(description="approve, deny, adjust, confirm, correct, reopen.")
    reviewer: str = Field(description="key:<key id> of the reviewer.")
    status: str = Field(description="The claim's status afterwards.")
    final: bool = Field(description="False when the decision awaits a second reviewer (awaiting_confirmation).")
    outcome: str
    payable: Money
    decision_digest: str
    previous_decision_digest: str | None
    extraction_digest: str | None = Field(description="The corrected extraction's digest (correct only).")
    status_url: str


class ErasurePublic(BaseModel):
    """What an erasure did (POST /v1/members/{member_id}/erase)."""

    claims: list[str] = Field(description="The member's claims whose personal data was erased.")
    documents_deleted: int = Field(description="Originals deleted from the document store.")
    keys_destroyed: int = Field(description="Data keys destroyed (what they sealed can never be read again).")
