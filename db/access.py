"""The access log: who read whose personal data, when and why — append-only and hash-chained, apart from the claims
audit log (it grows with every read; the audit log with every change).

Entry hash (format v1)::

    entry_hash = SHA-256( b"claimflow access v1\\x00" | previous entry_hash (32 bytes; zeros for the first)
                          | RFC 8785 canonical JSON of {seq, at, tenant, actor, claim_id, member_key, purpose} )

``member_key`` is the member's data-key subject (a hash of the member id's blind index, db/keys.member_subject):
the log holds no member id.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence

import rfc8785
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.keys import member_subject
from db.member_index import member_index
from db.models import AccessRow, Claim

PREFIX = b"claimflow access v1\x00"
GENESIS = bytes(32)


def entry_hash(prev: bytes, row: AccessRow) -> str:
    at = row.at if row.at.tzinfo else row.at.replace(tzinfo=dt.UTC)  # SQLite gives naive UTC back
    body = {"seq": row.seq, "at": at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
            "tenant": row.tenant, "actor": row.actor, "claim_id": row.claim_id, "member_key": row.member_key,
            "purpose": row.purpose}
    return hashlib.sha256(PREFIX + prev + rfc8785.dumps(body)).hexdigest()


def record_access(session: Session, *, claim: Claim, actor: str, purpose: str, at: dt.datetime) -> AccessRow:
    """Append one read of ``claim``'s personal data (in the caller's transaction; retried if another writer took
    the same sequence number first)."""
    member_key = member_subject(claim.tenant, claim.member_id) if claim.member_id else None
    return _append(session, tenant=claim.tenant, claim_id=claim.id, member_key=member_key, actor=actor,
                   purpose=purpose, at=at)


def record_member_access(session: Session, *, tenant: str, member_id: str, actor: str, purpose: str,
                         at: dt.datetime) -> AccessRow:
    """Append one read of a member's record (no claim): ``claimflow members show``, ``claimflow adjudicate``."""
    member_key = member_subject(tenant, member_index(session, tenant, member_id))
    return _append(session, tenant=tenant, claim_id=None, member_key=member_key, actor=actor, purpose=purpose, at=at)


def _append(session: Session, *, tenant: str, claim_id: str | None, member_key: str | None, actor: str, purpose: str,
            at: dt.datetime) -> AccessRow:
    for _ in range(20):
        last = session.scalar(select(AccessRow).order_by(AccessRow.seq.desc()).limit(1))
        row = AccessRow(seq=(last.seq + 1) if last else 1, at=at, tenant=tenant, actor=actor[:200],
                        claim_id=claim_id, member_key=member_key, purpose=purpose[:200], entry_hash="")
        row.entry_hash = entry_hash(bytes.fromhex(last.entry_hash) if last else GENESIS, row)
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:
            continue
        return row
    raise RuntimeError("the access log is too busy: 20 writers took the next sequence number first")


def accesses_of_member(session: Session, *, tenant: str, member_id: str) -> list[AccessRow]:
    """Every recorded read of the member's data: by member key, or of a claim that is theirs. (Entries written
    before migration 0011 carry the key of the plain member id; they are found too.)"""
    stored = member_index(session, tenant, member_id)
    mine = select(Claim.id).where(Claim.tenant == tenant, Claim.member_id == stored)
    keys = {member_subject(tenant, stored), member_subject(tenant, member_id)}
    return list(session.scalars(select(AccessRow).where(
        AccessRow.tenant == tenant, or_(AccessRow.member_key.in_(sorted(keys)), AccessRow.claim_id.in_(mine)),
    ).order_by(AccessRow.seq)))


def verify_access_log(session: Session) -> list[str]:
    """Recompute the chain; one message per entry that does not follow from its predecessor (empty: intact)."""
    problems: list[str] = []
    prev, expected = GENESIS, 1
    rows: Sequence[AccessRow] = session.scalars(select(AccessRow).order_by(AccessRow.seq)).all()
    for row in rows:
        if row.seq != expected:
            problems.append(f"seq {row.seq}: expected seq {expected} (an entry was removed)")
        if entry_hash(prev, row) != row.entry_hash:
            problems.append(f"seq {row.seq}: hash does not match (the entry or one before it was changed)")
        prev, expected = bytes.fromhex(row.entry_hash), row.seq + 1
    return problems
