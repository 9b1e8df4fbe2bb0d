"""Review repository: claim locks, leases, decision rows of the review workflow, the queue. Keyword-only functions
taking the session; the caller (flows/review.py) owns the transaction. Every query is scoped to one tenant."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from claimflow.model import Decision
from db import claims as claims_repo
from db.claims import ClaimStatus
from db.models import Claim, DecisionRow, ReviewLeaseRow

MACHINE = "machine"
REVIEW = "review"
#: The queue name of claims awaiting a second reviewer's confirmation.
FOUR_EYES_QUEUE = "four_eyes"


def as_utc(value: dt.datetime) -> dt.datetime:
    """SQLite hands timestamps back without their zone; they were written in UTC."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def get_claim(session: Session, *, tenant: str, claim_id: str, lock: bool = False) -> Claim | None:
    """The tenant's claim (None for a missing claim and for another tenant's alike). ``lock``: hold the row until
    the transaction ends (PostgreSQL ``SELECT … FOR UPDATE``; SQLite already holds the write lock), so review steps
    on one claim run one after the other."""
    q = select(Claim).where(Claim.id == claim_id, Claim.tenant == tenant)
    if lock:
        q = q.with_for_update(of=Claim)
    return session.scalar(q)


# --- leases ---------------------------------------------------------------------------------------------------------


def active_lease(session: Session, *, claim_id: str, now: dt.datetime) -> ReviewLeaseRow | None:
    row = session.get(ReviewLeaseRow, claim_id)
    return row if row is not None and as_utc(row.expires_at) > now else None


def put_lease(
    session: Session, *, claim: Claim, reviewer: str, now: dt.datetime, seconds: int
) -> tuple[ReviewLeaseRow, bool]:
    """Give ``reviewer`` the claim's lease from ``now`` for ``seconds`` (the caller checked nobody else holds it).
    Returns the row and whether it renewed the reviewer's own active lease."""
    row = session.get(ReviewLeaseRow, claim.id)
    renewed = row is not None and row.reviewer == reviewer and as_utc(row.expires_at) > now
    if row is None:
        row = ReviewLeaseRow(claim_id=claim.id, tenant=claim.tenant)
        session.add(row)
    row.reviewer = reviewer
    if not renewed:
        row.taken_at = now
    row.expires_at = now + dt.timedelta(seconds=seconds)
    session.flush()
    return row, renewed


def drop_lease(session: Session, *, claim_id: str) -> None:
    session.execute(delete(ReviewLeaseRow).where(ReviewLeaseRow.claim_id == claim_id))


def active_leases(session: Session, *, claim_ids: Sequence[str], now: dt.datetime) -> dict[str, ReviewLeaseRow]:
    if not claim_ids:
        return {}
    rows = session.scalars(select(ReviewLeaseRow).where(ReviewLeaseRow.claim_id.in_(list(claim_ids))))
    return {r.claim_id: r for r in rows if as_utc(r.expires_at) > now}


# --- decision rows --------------------------------------------------------------------------------------------------


def decision_rows(session: Session, *, claim_id: str) -> list[DecisionRow]:
    """Every decision of the claim, oldest first: the machine's and every reviewer's."""
    return list(session.scalars(select(DecisionRow).where(DecisionRow.claim_id == claim_id).order_by(DecisionRow.id)))


def proposer(row: DecisionRow) -> str:
    """Who a non-final decision waits on confirmation for: the reviewer who decided it, or who corrected the
    extraction the machine then decided on."""
    if row.kind == MACHINE:
        return str((row.changes or {}).get("corrected_by") or row.decided_by)
    return row.decided_by


def record_decision(
    session: Session,
    *,
    claim: Claim,
    decision: Decision,
    service_date: dt.date | None,
    kind: str,
    decided_by: str,
    at: dt.datetime,
    final: bool,
    action: str | None = None,
    note: str | None = None,
    changes: dict[str, Any] | None = None,
    supersedes_id: int | None = None,
    extraction_id: int | None = None,
) -> DecisionRow:
    """Append a decision row (rows are never changed) and move the claim's status: its outcome when ``final``,
    else ``awaiting_confirmation``."""
    return claims_repo.record_decision(
        session, claim=claim, decision=decision, service_date=service_date, decided_by=decided_by,
        status=None if final else ClaimStatus.AWAITING_CONFIRMATION, created_at=at, kind=kind, action=action,
        final=final, note=note, changes=changes, supersedes_id=supersedes_id, extraction_id=extraction_id,
    )  # fmt: skip


# --- the queue ------------------------------------------------------------------------------------------------------


def queue_rows(
    session: Session, *, tenant: str, queue: str | None, limit: int
) -> list[tuple[Claim, DecisionRow]]:
    """Claims waiting for a person, with their latest decision row, longest waiting first. ``queue``: a review queue
    name (the latest decision's ``review_queue``) or ``four_eyes`` (awaiting confirmation)."""
    statuses: Iterable[str] = ClaimStatus.REVIEWABLE
    if queue == FOUR_EYES_QUEUE:
        statuses = (ClaimStatus.AWAITING_CONFIRMATION,)
    elif queue is not None:
        statuses = (ClaimStatus.PENDING_REVIEW,)
    latest = (
        select(DecisionRow.claim_id, func.max(DecisionRow.id).label("id"))
        .where(DecisionRow.tenant == tenant)
        .group_by(DecisionRow.claim_id)
        .subquery()
    )
    q = (
        select(Claim, DecisionRow)
        .join(latest, latest.c.claim_id == Claim.id)
        .join(DecisionRow, DecisionRow.id == latest.c.id)
        .where(Claim.tenant == tenant, Claim.status.in_(list(statuses)))
        .order_by(DecisionRow.created_at, DecisionRow.id)
    )
    out: list[tuple[Claim, DecisionRow]] = []
    # the queue name lives in the decision JSON: filter here (a review queue holds at most a few thousand claims)
    for claim, row in session.execute(q):
        if queue not in (None, FOUR_EYES_QUEUE) and (row.decision or {}).get("review_queue") != queue:
            continue
        out.append((claim, row))
        if len(out) >= limit:
            break
    return out


def proposed_payable(row: DecisionRow) -> Decimal:
    """What the row would pay: its payable, or for a pending decision the proposal on its lines."""
    if row.outcome == "PENDING_REVIEW":
        return Decimal(str((row.decision or {}).get("proposed_payable") or "0.00"))
    return row.payable
