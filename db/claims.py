"""Claim repository: keyword-only functions taking the session (the caller owns the transaction)."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from claimflow.model import Decision, Document, Extraction
from db.keys import claim_subject, member_subject
from db.member_index import member_index
from db.models import Claim, DecisionRow, DocumentRow, ExtractionRow
from db.sealing import seal_row


class ClaimStatus:
    RECEIVED = "received"
    OCR_DONE = "ocr_done"
    EXTRACTED = "extracted"
    FAILED = "failed"
    # A stage failed for a transient reason (OCR timeout, database unavailable) after its retries. Not final: a
    # retry or a resubmission of the same document runs the claim again from its last completed stage.
    FAILED_TRANSIENT = "failed_transient"
    # decided states are the Decision outcome in lower case
    APPROVED = "approved"
    PARTIALLY_APPROVED = "partially_approved"
    DENIED = "denied"
    PENDING_REVIEW = "pending_review"
    # a reviewer's decision above CLAIMFLOW_FOUR_EYES_ABOVE waits for a second reviewer (docs/review.md)
    AWAITING_CONFIRMATION = "awaiting_confirmation"

    #: The pipeline has nothing left to do (a resubmission is not processed again); the review workflow moves
    #: REVIEWABLE claims on, and reopens DECIDED ones.
    FINAL = frozenset({FAILED, APPROVED, PARTIALLY_APPROVED, DENIED, PENDING_REVIEW, AWAITING_CONFIRMATION})
    DECIDED = frozenset({APPROVED, PARTIALLY_APPROVED, DENIED})
    REVIEWABLE = frozenset({PENDING_REVIEW, AWAITING_CONFIRMATION})
    # Nothing more happens to the claim without a retry: final, or failed for a transient reason.
    SETTLED = FINAL | {FAILED_TRANSIENT}


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def find_claim(session: Session, *, tenant: str, document_sha256: str) -> Claim | None:
    return session.scalar(select(Claim).where(Claim.tenant == tenant, Claim.document_sha256 == document_sha256))


def get_claim(session: Session, *, claim_id: str) -> Claim | None:
    return session.get(Claim, claim_id)


def ensure_document(
    session: Session, *, sha256: str, size_bytes: int, original_name: str, stored_path: str
) -> DocumentRow:
    row = session.get(DocumentRow, sha256)
    if row is None:
        row = DocumentRow(
            sha256=sha256,
            size_bytes=size_bytes,
            media_type="application/octet-stream",
            original_name=original_name,
            stored_path=stored_path,
        )
        session.add(row)
        session.flush()
    return row


def create_claim(
    session: Session,
    *,
    tenant: str,
    source: str,
    submitted_by: str,
    document_sha256: str,
    received_on: dt.date | None = None,
) -> Claim:
    claim = Claim(
        id=str(uuid.uuid4()),
        tenant=tenant,
        source=source,
        submitted_by=submitted_by,
        document_sha256=document_sha256,
        status=ClaimStatus.RECEIVED,
        received_on=received_on or dt.datetime.now(dt.UTC).date(),
    )
    session.add(claim)
    session.flush()
    return claim


def record_document_facts(session: Session, *, document: Document) -> None:
    row = session.get(DocumentRow, document.sha256)
    if row is not None:
        row.media_type = document.media_type
        row.kind = document.kind.value
        row.pages = document.pages


def set_status(session: Session, *, claim: Claim, status: str) -> None:
    claim.status = status
    claim.updated_at = dt.datetime.now(dt.UTC)


def fail_claim(session: Session, *, claim: Claim, kind: str, message: str, transient: bool = False) -> None:
    claim.error_kind = kind
    claim.error_message = message
    set_status(session, claim=claim, status=ClaimStatus.FAILED_TRANSIENT if transient else ClaimStatus.FAILED)


def reopen_claim(session: Session, *, claim: Claim) -> str:
    """Put a claim that failed transiently back at its last completed stage and count the attempt.

    The stage is read from what the claim has: an extraction means it resumes at adjudication, otherwise at OCR
    (an OCR result is not kept, so a claim that stopped after OCR reads its document again). Returns the status it
    resumes from.
    """
    resume = ClaimStatus.EXTRACTED if latest_extraction(session, claim_id=claim.id) is not None else ClaimStatus.RECEIVED
    claim.error_kind = None
    claim.error_message = None
    claim.attempts = (claim.attempts or 0) + 1
    set_status(session, claim=claim, status=resume)
    return resume


def transient_failures(session: Session, *, tenant: str | None = None) -> list[Claim]:
    """Claims waiting in ``failed_transient``, oldest first (``claimflow retry --transient``)."""
    q = select(Claim).where(Claim.status == ClaimStatus.FAILED_TRANSIENT)
    if tenant is not None:
        q = q.where(Claim.tenant == tenant)
    return list(session.scalars(q.order_by(Claim.created_at)))


def record_extraction(
    session: Session, *, claim: Claim, extraction: Extraction, ocr_engine: str, ocr_confidence: float
) -> ExtractionRow:
    canonical = extraction.canonical_bytes()
    member_id = extraction.patient.member_id
    # the blind index (and the id sealed under the member's key) before any plaintext is pending in the session
    claim.member_id = member_index(session, claim.tenant, member_id, remember=True) if member_id else None
    row = ExtractionRow(
        claim_id=claim.id,
        extraction=extraction.to_json_dict(),
        digest=sha256_hex(canonical),
        extractor=extraction.extractor,
        ocr_engine=ocr_engine,
        ocr_confidence=Decimal(str(round(ocr_confidence, 4))),
    )
    seal_row(session, row, data_subject(claim))
    session.add(row)
    set_status(session, claim=claim, status=ClaimStatus.EXTRACTED)
    session.flush()
    return row


def data_subject(claim: Claim) -> str:
    """Whose data key seals the claim's personal data: its member's, or the claim's own while no member is known."""
    return member_subject(claim.tenant, claim.member_id) if claim.member_id else claim_subject(claim.id)


def latest_extraction(session: Session, *, claim_id: str) -> ExtractionRow | None:
    return session.scalar(
        select(ExtractionRow).where(ExtractionRow.claim_id == claim_id).order_by(ExtractionRow.id.desc()).limit(1)
    )


def record_decision(
    session: Session, *, claim: Claim, decision: Decision, service_date: dt.date | None, decided_by: str,
    status: str | None = None, **columns: Any,
) -> DecisionRow:  # fmt: skip
    """Append a decision row and move the claim's status (default: the outcome in lower case). ``columns``: the
    review workflow's own columns (kind, action, final, note, changes, supersedes_id, extraction_id, created_at)."""
    row = DecisionRow(
        claim_id=claim.id,
        tenant=claim.tenant,
        member_id=claim.member_id,
        outcome=decision.outcome.value,
        billed=decision.billed,
        payable=decision.payable,
        member_responsibility=decision.member_responsibility,
        service_date=service_date,
        plan_id=decision.plan_id,
        plan_version=decision.plan_version,
        decision=decision.to_json_dict(),
        digest=sha256_hex(decision.canonical_bytes()),
        decided_by=decided_by,
        **columns,
    )
    seal_row(session, row, data_subject(claim))
    session.add(row)
    set_status(session, claim=claim, status=status or decision.outcome.value.lower())
    session.flush()
    return row


def latest_decision(session: Session, *, claim_id: str) -> DecisionRow | None:
    """The claim's decision: its latest final decision row (a proposal awaiting confirmation is not one)."""
    return session.scalar(
        select(DecisionRow)
        .where(DecisionRow.claim_id == claim_id, DecisionRow.final.is_(True))
        .order_by(DecisionRow.id.desc())
        .limit(1)
    )
