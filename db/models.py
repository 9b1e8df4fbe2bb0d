"""SQLAlchemy 2 typed ORM models. Schema changes go through Alembic migrations (db/migrations), never create_all.

Personal health information lives in these claim tables (where it can be corrected or erased); the audit log holds
only ids and digests.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class DocumentRow(Base):
    """An original document, content-addressed: stored once under DATA_DIR/documents by its sha256."""

    __tablename__ = "documents"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str | None] = mapped_column(String(20))
    pages: Mapped[int | None] = mapped_column(Integer)
    original_name: Mapped[str] = mapped_column(String(500))
    stored_path: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Claim(Base):
    """One claim: a document submitted by a tenant (insurer) through a source (cli, folder, api)."""

    __tablename__ = "claims"
    __table_args__ = (
        UniqueConstraint("tenant", "document_sha256", name="uq_claims_tenant_document"),
        Index("ix_claims_tenant_created", "tenant", "created_at", "id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(100), index=True)
    source: Mapped[str] = mapped_column(String(20))
    submitted_by: Mapped[str] = mapped_column(String(200))
    document_sha256: Mapped[str] = mapped_column(ForeignKey("documents.sha256"))
    status: Mapped[str] = mapped_column(String(30), index=True)
    received_on: Mapped[dt.date] = mapped_column(Date, default=lambda: utcnow().date())
    member_id: Mapped[str | None] = mapped_column(String(100), index=True)
    error_kind: Mapped[str | None] = mapped_column(String(50))
    error_message: Mapped[str | None] = mapped_column(Text)
    # Runs of the pipeline after a transient failure (``claimflow retry``, a resubmission): 0 for a first run.
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    #: The insurer's own reference for the claim and the member id it declared (API metadata; the document decides).
    reference: Mapped[str | None] = mapped_column(String(100))
    declared_member_id: Mapped[str | None] = mapped_column(String(100))

    document: Mapped[DocumentRow] = relationship(lazy="joined")


class ExtractionRow(Base):
    __tablename__ = "extractions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    claim_id: Mapped[str] = mapped_column(ForeignKey("claims.id"), index=True)
    extraction: Mapped[dict] = mapped_column(JSON)
    digest: Mapped[str] = mapped_column(String(64))
    extractor: Mapped[str] = mapped_column(String(200))
    ocr_engine: Mapped[str] = mapped_column(String(100))
    ocr_confidence: Mapped[Decimal] = mapped_column(Numeric(5, 4))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DecisionRow(Base):
    """A decision on a claim: the machine's (``kind`` machine) or a person's (``kind`` review). Rows are never
    changed: a review adds a row. The latest *final* row of a claim is its decision (accumulators count only it); a
    non-final row is a reviewer's proposal awaiting a second reviewer's confirmation (four-eyes)."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    claim_id: Mapped[str] = mapped_column(ForeignKey("claims.id"), index=True)
    tenant: Mapped[str] = mapped_column(String(100))
    member_id: Mapped[str | None] = mapped_column(String(100))
    outcome: Mapped[str] = mapped_column(String(30), index=True)
    billed: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    payable: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    member_responsibility: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    service_date: Mapped[dt.date | None] = mapped_column(Date)
    plan_id: Mapped[str | None] = mapped_column(String(100))
    plan_version: Mapped[str | None] = mapped_column(String(100))
    decision: Mapped[dict] = mapped_column(JSON)
    digest: Mapped[str] = mapped_column(String(64))
    decided_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # --- the review workflow (migration 0006) ---
    kind: Mapped[str] = mapped_column(String(20), default="machine", server_default="machine")
    action: Mapped[str | None] = mapped_column(String(20))  # approve, deny, adjust, confirm, reopen (kind review)
    final: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    note: Mapped[str | None] = mapped_column(Text)  # the reviewer's why (may hold PHI: never audited, only digested)
    changes: Mapped[dict | None] = mapped_column(JSON)  # what the reviewer changed (line overrides, denial code, …)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"))
    extraction_id: Mapped[int | None] = mapped_column(ForeignKey("extractions.id"))

    __table_args__ = (Index("ix_decisions_member_date", "tenant", "member_id", "service_date"),)


class ReviewLeaseRow(Base):
    """A reviewer's time-limited hold on a claim: others see who holds it and until when; it lapses at ``expires_at``."""

    __tablename__ = "review_leases"

    claim_id: Mapped[str] = mapped_column(ForeignKey("claims.id"), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(100), index=True)
    reviewer: Mapped[str] = mapped_column(String(200))
    taken_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class MemberRow(Base):
    """A member and their policy, per tenant. PHI (name, date of birth) stays here."""

    __tablename__ = "members"

    tenant: Mapped[str] = mapped_column(String(100), primary_key=True)
    member_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    plan_id: Mapped[str] = mapped_column(String(100))
    coverage_start: Mapped[dt.date] = mapped_column(Date)
    coverage_end: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
    subscriber_id: Mapped[str | None] = mapped_column(String(100))
    relationship: Mapped[str] = mapped_column(String(20))
    name: Mapped[str | None] = mapped_column(String(300))
    date_of_birth: Mapped[dt.date | None] = mapped_column(Date)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class ClaimDocumentRow(Base):
    """The documents of a claim, in the order submitted (ordinal 1 is ``claims.document_sha256``)."""

    __tablename__ = "claim_documents"

    claim_id: Mapped[str] = mapped_column(ForeignKey("claims.id"), primary_key=True)
    ordinal: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    sha256: Mapped[str] = mapped_column(ForeignKey("documents.sha256"))

    document: Mapped[DocumentRow] = relationship(lazy="joined")


class ApiKeyRow(Base):
    """An API key: a public id, the SHA-256 of the secret (the key itself is shown once, never stored)."""

    __tablename__ = "api_keys"

    key_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(100), index=True)
    role: Mapped[str] = mapped_column(String(20))
    name: Mapped[str | None] = mapped_column(String(200))
    secret_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class IdempotencyKeyRow(Base):
    """A submission's Idempotency-Key, per tenant: the same key answers with the same claim."""

    __tablename__ = "idempotency_keys"

    tenant: Mapped[str] = mapped_column(String(100), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    request_sha256: Mapped[str] = mapped_column(String(64))
    claim_id: Mapped[str] = mapped_column(ForeignKey("claims.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
