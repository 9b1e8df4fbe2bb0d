"""A claim's documents, submissions' idempotency keys and the tenant-scoped claim listing.

Keyword-only functions taking the session; the caller owns the transaction. Every query that reads claims takes the
tenant: a claim of another tenant is simply not found.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import func, or_, select, and_
from sqlalchemy.orm import Session

from db.models import Claim, ClaimDocumentRow, DecisionRow, DocumentRow, IdempotencyKeyRow


def add_documents(*, session: Session, claim_id: str, sha256s: Sequence[str]) -> None:
    """Record the claim's documents in order (ordinal 1 is the claim's ``document_sha256``)."""
    for i, sha in enumerate(sha256s, start=1):
        session.add(ClaimDocumentRow(claim_id=claim_id, ordinal=i, sha256=sha))
    session.flush()


def documents(*, session: Session, claim: Claim) -> list[DocumentRow]:
    """The claim's documents in order; a claim opened without claim_documents rows has its one document."""
    rows = session.scalars(
        select(ClaimDocumentRow).where(ClaimDocumentRow.claim_id == claim.id).order_by(ClaimDocumentRow.ordinal)
    ).all()
    return [r.document for r in rows] if rows else [claim.document]


def get_claim(*, session: Session, tenant: str, claim_id: str) -> Claim | None:
    """The claim if it belongs to ``tenant``; None for an unknown claim and for another tenant's alike."""
    return session.scalar(select(Claim).where(Claim.id == claim_id, Claim.tenant == tenant))


def find_idempotent(*, session: Session, tenant: str, key: str) -> IdempotencyKeyRow | None:
    return session.get(IdempotencyKeyRow, (tenant, key))


def remember_idempotent(*, session: Session, tenant: str, key: str, request_sha256: str, claim_id: str) -> None:
    session.add(IdempotencyKeyRow(tenant=tenant, key=key, request_sha256=request_sha256, claim_id=claim_id,
                                  created_at=dt.datetime.now(dt.UTC)))
    session.flush()


def list_claims(
    *,
    session: Session,
    tenant: str,
    status: str | None = None,
    queue: str | None = None,
    received_from: dt.date | None = None,
    received_to: dt.date | None = None,
    after: tuple[dt.datetime, str] | None = None,
    limit: int = 50,
) -> list[Claim]:
    """The tenant's claims, newest first, ``limit`` at most, strictly after the ``(created_at, id)`` cursor.

    ``queue`` keeps claims whose latest decision names that review queue.
    """
    q = select(Claim).where(Claim.tenant == tenant)
    if status is not None:
        q = q.where(Claim.status == status)
    if received_from is not None:
        q = q.where(Claim.received_on >= received_from)
    if received_to is not None:
        q = q.where(Claim.received_on <= received_to)
    if queue is not None:
        latest = (
            select(func.max(DecisionRow.id)).where(DecisionRow.tenant == tenant).group_by(DecisionRow.claim_id)
        ).scalar_subquery()
        in_queue = select(DecisionRow.claim_id).where(
            DecisionRow.id.in_(latest), DecisionRow.decision["review_queue"].as_string() == queue
        )
        q = q.where(Claim.id.in_(in_queue))
    if after is not None:
        created, claim_id = after
        q = q.where(or_(Claim.created_at < created, and_(Claim.created_at == created, Claim.id < claim_id)))
    q = q.order_by(Claim.created_at.desc(), Claim.id.desc()).limit(limit)
    return list(session.scalars(q))
