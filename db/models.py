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
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.ext.hybrid import hybrid_property
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


def sealed_field(name: str, column: str) -> hybrid_property:  # type: ignore[type-arg]
    """A personal field: reading opens the row's sealed blob, writing sets it in plaintext until ``seal_row``
    (db/sealing.py); in SQL expressions it is ``column`` (the plain projection, or NULL)."""

    def fget(self: object) -> object:
        from db.sealing import opened

        return opened(self, name)

    def fset(self: object, value: object) -> None:
        from db.sealing import set_plain

        set_plain(self, name, value)

    def expr(cls: type) -> object:
        return getattr(cls, column)

    return hybrid_property(fget, fset, expr=expr)


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
    #: The extraction as stored: with encryption at rest only its non-personal projection (total, currency); the
    #: whole extraction is in ``sealed``. Read ``extraction`` (decrypted, db/sealing.py), never this.
    stored: Mapped[dict] = mapped_column("extraction", JSON)
    sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    digest: Mapped[str] = mapped_column(String(64))
    extractor: Mapped[str] = mapped_column(Text)  # model, calibration and chooser digests: no fixed bound
    ocr_engine: Mapped[str] = mapped_column(String(100))
    ocr_confidence: Mapped[Decimal] = mapped_column(Numeric(5, 4))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    extraction = sealed_field("extraction", "stored")


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
    #: The decision as stored: with encryption at rest its non-personal projection (amounts, outcome, queue, the
    #: accumulator fields); the whole decision, the note and the changes are in ``sealed``. Read ``decision``.
    stored: Mapped[dict] = mapped_column("decision", JSON)
    sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    digest: Mapped[str] = mapped_column(String(64))
    decided_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # --- the review workflow (migration 0006) ---
    kind: Mapped[str] = mapped_column(String(20), default="machine", server_default="machine")
    action: Mapped[str | None] = mapped_column(String(20))  # approve, deny, adjust, confirm, reopen (kind review)
    final: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # the reviewer's why (may hold PHI: never audited, only digested; sealed with the decision)
    note_stored: Mapped[str | None] = mapped_column("note", Text)
    # what the reviewer changed (line overrides, denial code, corrections; sealed with the decision)
    changes_stored: Mapped[dict | None] = mapped_column("changes", JSON)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"))
    extraction_id: Mapped[int | None] = mapped_column(ForeignKey("extractions.id"))

    __table_args__ = (Index("ix_decisions_member_date", "tenant", "member_id", "service_date"),)

    decision = sealed_field("decision", "stored")

    note = sealed_field("note", "note_stored")

    changes = sealed_field("changes", "changes_stored")


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
    # PHI: with encryption at rest both are NULL here and sealed in ``sealed``; read ``name``/``date_of_birth``.
    name_stored: Mapped[str | None] = mapped_column("name", String(300))
    date_of_birth_stored: Mapped[dt.date | None] = mapped_column("date_of_birth", Date)
    sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    name = sealed_field("name", "name_stored")

    date_of_birth = sealed_field("date_of_birth", "date_of_birth_stored")


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


class DataKeyRow(Base):
    """A data key, wrapped by the master key (db/keys.py). ``subject`` says whose data it seals (``member/<hash>``,
    ``claim/<id>``, ``document/<sha256>``). Erasure destroys the key: ``wrapped`` becomes NULL and ``destroyed_at``
    is set, so what it sealed can never be opened again and readers can tell "erased" from "damaged"."""

    __tablename__ = "data_keys"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    subject: Mapped[str] = mapped_column(String(200), unique=True)
    wrapped: Mapped[bytes | None] = mapped_column(LargeBinary)
    master_key_id: Mapped[str | None] = mapped_column(String(16), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    destroyed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class AccessRow(Base):
    """One read of personal data (db/access.py): who, which claim, when, why (route or command). Append-only and
    hash-chained: ``entry_hash`` = SHA-256 over the previous entry's hash and this entry's canonical bytes."""

    __tablename__ = "access_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    tenant: Mapped[str] = mapped_column(String(100))
    actor: Mapped[str] = mapped_column(String(200))
    claim_id: Mapped[str | None] = mapped_column(String(36), index=True)
    member_key: Mapped[str | None] = mapped_column(String(64), index=True)
    purpose: Mapped[str] = mapped_column(String(200))
    entry_hash: Mapped[str] = mapped_column(String(64))


class MemberRefRow(Base):
    """A member id, sealed under the member's data key, behind its blind index (db/member_index.py): the claim,
    decision and member tables store only the index; this is where the id is read back for display. Erasure deletes
    the row and destroys the key."""

    __tablename__ = "member_refs"

    tenant: Mapped[str] = mapped_column(String(100), primary_key=True)
    member_index: Mapped[str] = mapped_column(String(100), primary_key=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
