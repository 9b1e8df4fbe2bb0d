"""Appending to the audit log, inside the caller's transaction.

The head row of the log is locked first (PostgreSQL: ``SELECT … FOR UPDATE`` after creating it with
``INSERT … ON CONFLICT DO NOTHING``; SQLite: every transaction already holds the write lock, ``BEGIN IMMEDIATE``), so
``seq`` is assigned under the lock: contiguous from 1, no forks, and a rolled-back transaction leaves no gap.
The caller commits; if it rolls back, the entries vanish together with the claim's own rows.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from db.audit import merkle
from db.audit.hashing import GENESIS, canonical_entry, chain_hash, leaf_hash, utc_timestamp
from db.audit.models import NODE_MIN_LEVEL, AuditEntryRow, AuditHeadRow, AuditNodeRow

log_ = logging.getLogger(__name__)


@dataclass(frozen=True)
class AuditEntry:
    """One appended entry, as stored."""

    log: str
    seq: int
    ts: str
    actor: str
    type: str
    entry: bytes
    leaf_hash: bytes
    chain_hash: bytes


@dataclass(frozen=True)
class Head:
    log: str
    size: int
    chain_hash: bytes
    frontier: list[bytes]

    @property
    def root(self) -> bytes:
        return merkle.root_from_frontier(self.frontier)


def lock_head(session: Session, log: str) -> Head:
    """Lock the head row of ``log`` until the end of the caller's transaction, creating it first if absent."""
    locked = select(AuditHeadRow.size, AuditHeadRow.chain_hash, AuditHeadRow.frontier).where(
        AuditHeadRow.log == log
    ).with_for_update()
    row = session.execute(locked).one_or_none()
    if row is None:
        # Two writers may both see no head: ON CONFLICT DO NOTHING lets exactly one create it, then both lock it.
        dialect = session.get_bind().dialect.name
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as dialect_insert
        elif dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert as dialect_insert
        else:  # pragma: no cover - only the two supported databases
            raise NotImplementedError(f"audit log on {dialect} is not supported")
        values = {"log": log, "size": 0, "chain_hash": GENESIS, "frontier": b""}
        session.execute(dialect_insert(AuditHeadRow).values(**values).on_conflict_do_nothing(index_elements=["log"]))
        row = session.execute(locked).one()
    return Head(log=log, size=row.size, chain_hash=bytes(row.chain_hash), frontier=merkle.split_frontier(bytes(row.frontier)))


def read_head(session: Session, log: str) -> Head | None:
    row = session.execute(
        select(AuditHeadRow.size, AuditHeadRow.chain_hash, AuditHeadRow.frontier).where(AuditHeadRow.log == log)
    ).one_or_none()
    if row is None:
        return None
    return Head(log=log, size=row.size, chain_hash=bytes(row.chain_hash), frontier=merkle.split_frontier(bytes(row.frontier)))


def append(session: Session, *, log: str, actor: str, type: str, data: Mapping[str, Any]) -> AuditEntry:  # noqa: A002
    """Append one entry to ``log`` in the caller's transaction and return it (the caller commits)."""
    return append_many(session, log=log, items=[(actor, type, data)])[0]


def append_many(
    session: Session, *, log: str, items: Sequence[tuple[str, str, Mapping[str, Any]]]
) -> list[AuditEntry]:
    """Append ``(actor, type, data)`` items to ``log`` as consecutive entries in the caller's transaction.

    Raises TypeError/ValueError (before touching the database) for floats, non-JSON values or malformed names.
    """
    if not items:
        return []
    # Validate everything before taking the lock: a bad payload must not hold the log's lock or leave partial work.
    for actor, type_, data in items:
        canonical_entry(log=log, seq=1, ts="", actor=actor, type=type_, data=data)

    head = lock_head(session, log)
    ts = utc_timestamp()
    size, chain, frontier = head.size, head.chain_hash, head.frontier
    entries: list[AuditEntry] = []
    rows: list[dict[str, Any]] = []
    nodes: list[dict[str, Any]] = []
    for actor, type_, data in items:
        seq = size + 1
        entry = canonical_entry(log=log, seq=seq, ts=ts, actor=actor, type=type_, data=data)
        leaf = leaf_hash(entry)
        chain = chain_hash(chain, leaf)
        frontier, completed = merkle.frontier_append(frontier, size, leaf)
        for level, idx, h in completed:
            if level >= NODE_MIN_LEVEL:
                nodes.append({"log": log, "level": level, "idx": idx, "hash": h})
        claim_id = data.get("claim_id")
        rows.append(
            {
                "log": log,
                "seq": seq,
                "entry": entry,
                "leaf_hash": leaf,
                "chain_hash": chain,
                "claim_id": claim_id if isinstance(claim_id, str) else None,
            }
        )
        entries.append(AuditEntry(log, seq, ts, actor, type_, entry, leaf, chain))
        size = seq
    session.execute(insert(AuditEntryRow), rows)
    if nodes:
        session.execute(insert(AuditNodeRow), nodes)
    session.execute(
        update(AuditHeadRow)
        .where(AuditHeadRow.log == log)
        .values(size=size, chain_hash=chain, frontier=b"".join(frontier))
    )
    log_.debug("audit: appended %d entries to %s (size %d)", len(entries), log, size)
    return entries
