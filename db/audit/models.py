"""Audit tables (same on SQLite and PostgreSQL; created by migration 0002, which also installs the guard triggers).

- ``audit_entry``       one row per entry: the exact canonical bytes, their leaf hash and the chain hash.
- ``audit_head``        one row per log, locked on append: size, chain hash and the compact range (Merkle frontier).
- ``audit_checkpoint``  signed tree heads (C2SP signed notes).
- ``audit_node``        a cache of complete Merkle subtree hashes at levels ≥ NODE_MIN_LEVEL, for O(log n) proofs.
                        It is not trusted: every proof is checked against a signed root before it is handed out.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, DateTime, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.models import Base, utcnow

#: Subtrees below this level are recomputed from leaf hashes (at most 2^NODE_MIN_LEVEL of them per proof step).
NODE_MIN_LEVEL = 6


class AuditEntryRow(Base):
    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_claim_id", "claim_id"), {"sqlite_with_rowid": False})

    log: Mapped[str] = mapped_column(String(100), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    entry: Mapped[bytes] = mapped_column(LargeBinary)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    chain_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    #: Lookup column copied from ``data.claim_id`` (not hashed; proofs re-check it against the entry bytes).
    claim_id: Mapped[str | None] = mapped_column(String(100))


class AuditHeadRow(Base):
    __tablename__ = "audit_head"

    log: Mapped[str] = mapped_column(String(100), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    chain_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    #: Compact range: one 32-byte hash per set bit of ``size``, highest level first.
    frontier: Mapped[bytes] = mapped_column(LargeBinary)


class AuditCheckpointRow(Base):
    __tablename__ = "audit_checkpoint"

    log: Mapped[str] = mapped_column(String(100), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    root: Mapped[bytes] = mapped_column(LargeBinary(32))
    chain_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    signed_note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AuditNodeRow(Base):
    __tablename__ = "audit_node"
    __table_args__ = {"sqlite_with_rowid": False}

    log: Mapped[str] = mapped_column(String(100), primary_key=True)
    level: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))
