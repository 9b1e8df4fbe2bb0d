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

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from db.audit import merkle
from db.audit.hashing import (
    GENESIS,
    canonical_entry,
    chain_hash,
    check_json_value,
    check_names,
    leaf_hash,
    utc_timestamp,
)
from db.audit.models import NODE_MIN_LEVEL

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


# Plain SQL through the session's own connection: appends are hot, and statement construction would cost more than
# the database work. ``?`` placeholders are rewritten to ``%s`` for psycopg.
_SQL = {
    "lock": "SELECT size, chain_hash, frontier FROM audit_head WHERE log = ?",
    "create": "INSERT INTO audit_head (log, size, chain_hash, frontier) VALUES (?, 0, ?, ?) ON CONFLICT (log) DO NOTHING",
    "entry": "INSERT INTO audit_entry (log, seq, entry, leaf_hash, chain_hash, claim_id) VALUES (?, ?, ?, ?, ?, ?)",
    "node": "INSERT INTO audit_node (log, level, idx, hash) VALUES (?, ?, ?, ?)",
    "head": "UPDATE audit_head SET size = ?, chain_hash = ?, frontier = ? WHERE log = ?",
    "read": "SELECT size, chain_hash, frontier FROM audit_head WHERE log = ?",
}
_DIALECT_SQL = {
    "sqlite": _SQL,
    "postgresql": {k: v.replace("?", "%s") + (" FOR UPDATE" if k == "lock" else "") for k, v in _SQL.items()},
}


def _sql(session: Session) -> tuple[Connection, dict[str, str]]:
    conn = session.connection()
    try:
        return conn, _DIALECT_SQL[conn.dialect.name]
    except KeyError:  # pragma: no cover - only the two supported databases
        raise NotImplementedError(f"audit log on {conn.dialect.name} is not supported") from None


def _head(log: str, row: Any) -> Head:
    return Head(log=log, size=row[0], chain_hash=bytes(row[1]), frontier=merkle.split_frontier(bytes(row[2])))


def lock_head(session: Session, log: str) -> Head:
    """Lock the head row of ``log`` until the end of the caller's transaction, creating it first if absent.

    PostgreSQL: ``SELECT … FOR UPDATE``. SQLite: the transaction already holds the database's write lock
    (db.engine begins every transaction with ``BEGIN IMMEDIATE``)."""
    conn, sql = _sql(session)
    row = conn.exec_driver_sql(sql["lock"], (log,)).first()
    if row is None:
        # Two writers may both see no head: ON CONFLICT DO NOTHING lets exactly one create it, then both lock it.
        conn.exec_driver_sql(sql["create"], (log, GENESIS, b""))
        row = conn.exec_driver_sql(sql["lock"], (log,)).one()
    return _head(log, row)


def read_head(session: Session, log: str) -> Head | None:
    conn, sql = _sql(session)
    row = conn.exec_driver_sql(sql["read"], (log,)).first()
    return _head(log, row) if row is not None else None


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
        check_names(log=log, actor=actor, type=type_)
        if not isinstance(data, Mapping):
            raise TypeError("data must be a JSON object (a dict)")
        check_json_value(data)

    head = lock_head(session, log)
    ts = utc_timestamp()
    size, chain, frontier = head.size, head.chain_hash, head.frontier
    entries: list[AuditEntry] = []
    rows: list[tuple[Any, ...]] = []
    nodes: list[tuple[Any, ...]] = []
    for actor, type_, data in items:
        seq = size + 1
        entry = canonical_entry(log=log, seq=seq, ts=ts, actor=actor, type=type_, data=data)
        leaf = leaf_hash(entry)
        chain = chain_hash(chain, leaf)
        frontier, completed = merkle.frontier_append(frontier, size, leaf)
        for level, idx, h in completed:
            if level >= NODE_MIN_LEVEL:
                nodes.append((log, level, idx, h))
        claim_id = data.get("claim_id")
        rows.append((log, seq, entry, leaf, chain, claim_id if isinstance(claim_id, str) else None))
        entries.append(AuditEntry(log, seq, ts, actor, type_, entry, leaf, chain))
        size = seq
    conn, sql = _sql(session)
    conn.exec_driver_sql(sql["entry"], rows if len(rows) > 1 else rows[0])
    if nodes:
        conn.exec_driver_sql(sql["node"], nodes if len(nodes) > 1 else nodes[0])
    conn.exec_driver_sql(sql["head"], (size, chain, b"".join(frontier), log))
    log_.debug("audit: appended %d entries to %s (size %d)", len(entries), log, size)
    return entries
