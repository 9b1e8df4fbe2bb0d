"""Audit verification jobs requested over the API: who asked, for which tenant's log, the state, the report.

A job row is written when the request arrives and completed when the verifier finishes (possibly in the background),
so any API process can answer ``GET /v1/audit/verifications/{id}``. Keyword-only functions taking the session.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from db.models import Base, utcnow

RUNNING, VERIFIED, FAILED, ERROR = "running", "verified", "failed", "error"


class AuditVerification(Base):
    __tablename__ = "audit_verifications"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(100), index=True)
    requested_by: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(20))
    entries: Mapped[int] = mapped_column(BigInteger)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


def start(session: Session, *, tenant: str, requested_by: str, entries: int) -> AuditVerification:
    row = AuditVerification(id=str(uuid.uuid4()), tenant=tenant, requested_by=requested_by, state=RUNNING,
                            entries=entries, created_at=utcnow())
    session.add(row)
    session.flush()
    return row


def finish(session: Session, *, job_id: str, state: str, result: dict[str, Any]) -> AuditVerification:
    if state not in (VERIFIED, FAILED, ERROR):
        raise ValueError(f"a finished verification is {VERIFIED}, {FAILED} or {ERROR}, not {state!r}")
    row = session.get(AuditVerification, job_id)
    if row is None:
        raise LookupError(f"verification {job_id} does not exist")
    row.state, row.result, row.finished_at = state, result, utcnow()
    session.flush()
    return row


def get(session: Session, *, tenant: str, job_id: str) -> AuditVerification | None:
    """The tenant's job, or None (another tenant's job is not found, like a claim)."""
    row = session.get(AuditVerification, job_id)
    return row if row is not None and row.tenant == tenant else None
