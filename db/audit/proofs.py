"""Inclusion proofs (a claim's entries against the latest signed checkpoint) and consistency proofs (an old checkpoint
is a prefix of a newer one), from the database in O(log n) lookups.

Complete subtrees at level ≥ NODE_MIN_LEVEL come from ``audit_node`` (written on append); lower ones are hashed from
one block of at most 2^NODE_MIN_LEVEL leaf hashes. The node table is not trusted: every proof is verified against the
signed root before it is returned, so a damaged cache yields an error, never a wrong proof.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from claimflow.errors import AuditError, AuditVerificationError, ConflictError, NotFoundError
from db.audit import merkle
from db.audit import standalone_verify as sv
from db.audit.hashing import node_hash
from db.audit.models import NODE_MIN_LEVEL
from db.audit.source import Reader, reader


def db_subtree(r: Reader, log: str) -> merkle.Subtree:
    blocks: dict[int, list[bytes]] = {}
    block_size = 1 << NODE_MIN_LEVEL

    def block(b: int) -> list[bytes]:
        if b not in blocks:
            blocks[b] = [
                bytes(x[0])
                for x in r.all(
                    "SELECT leaf_hash FROM audit_entry WHERE log = ? AND seq > ? AND seq <= ? ORDER BY seq",
                    (log, b * block_size, (b + 1) * block_size),
                )
            ]
        return blocks[b]

    def get(level: int, idx: int) -> bytes:
        if level >= NODE_MIN_LEVEL:
            row = r.one("SELECT hash FROM audit_node WHERE log = ? AND level = ? AND idx = ?", (log, level, idx))
            if row is not None:
                return bytes(row[0])
            return node_hash(get(level - 1, 2 * idx), get(level - 1, 2 * idx + 1))
        lo = idx << level
        leaves = block(lo // block_size)
        start = lo % block_size
        part = leaves[start : start + (1 << level)]
        if len(part) != 1 << level:
            raise AuditVerificationError(f"log {log!r}: leaves {lo + 1}..{lo + (1 << level)} are missing", log=log)
        return merkle.mth(part)

    return merkle.memoized(get)


def _checkpoint(r: Reader, log: str, size: int | None = None) -> sv.SignedCheckpoint:
    if size is None:
        row = r.one("SELECT signed_note FROM audit_checkpoint WHERE log = ? ORDER BY size DESC LIMIT 1", (log,))
    else:
        row = r.one("SELECT signed_note FROM audit_checkpoint WHERE log = ? AND size = ?", (log, size))
    if row is None:
        raise AuditError(
            f"log {log!r} has no signed checkpoint" + (f" at size {size}" if size else ""),
            hint="sign one with `claimflow audit checkpoint`",
        )
    return sv.parse_checkpoint(row[0])


def prove_claim(session_or_engine: Session | Engine, claim_id: str, log: str | None = None) -> dict[str, Any]:
    """The claim's entries with RFC 6962 inclusion proofs against the latest signed checkpoint of their log.
    Entries newer than that checkpoint are listed under ``pending`` (sign a checkpoint to cover them)."""
    with reader(session_or_engine) as r:
        sql = "SELECT log, seq, entry FROM audit_entry WHERE claim_id = ?"
        params: tuple[Any, ...] = (claim_id,)
        if log is not None:
            sql += " AND log = ?"
            params += (log,)
        # No ORDER BY: SQLite would rather walk the primary key in order than use the claim index and sort.
        found = sorted(r.all(sql, params))
        if not found:
            raise NotFoundError(f"no audit entries for claim {claim_id}")
        logs = {row[0] for row in found}
        if len(logs) > 1:
            raise ConflictError(f"claim {claim_id} has entries in logs {sorted(logs)}", hint="choose one with --log")
        (the_log,) = logs
        cp = _checkpoint(r, the_log)
        sub = db_subtree(r, the_log)
        entries, pending = [], []
        for _, seq, entry in found:
            entry = bytes(entry)
            if seq > cp.size:
                pending.append(seq)
                continue
            proof = merkle.inclusion_proof(seq - 1, cp.size, sub)
            try:
                sv.verify_inclusion(seq - 1, cp.size, sv.leaf_hash(entry), proof, cp.root)
            except sv.VerifyError as e:
                raise AuditVerificationError(
                    f"log {the_log!r}: seq {seq} is not provably in the signed checkpoint at size {cp.size}; "
                    "run `claimflow audit verify`",
                    seq=seq,
                    damage="edited",
                    log=the_log,
                ) from e
            entries.append(
                {
                    "seq": seq,
                    "entry": entry.decode("utf-8"),
                    "leaf_index": seq - 1,
                    "tree_size": cp.size,
                    "inclusion": [h.hex() for h in proof],
                }
            )
        if not entries:
            raise AuditError(
                f"the entries of claim {claim_id} are newer than the last signed checkpoint (size {cp.size})",
                hint="sign one with `claimflow audit checkpoint`",
            )
        return {
            "format": sv.PROOF_FORMAT,
            "log": the_log,
            "claim_id": claim_id,
            "checkpoint": cp.note,
            "entries": entries,
            "pending": pending,
        }


def prove_consistency(
    session_or_engine: Session | Engine, *, old_note: str, new_note: str | None = None
) -> dict[str, Any]:
    """Consistency proof from the checkpoint ``old_note`` to ``new_note`` (default: the latest signed one)."""
    old = sv.parse_checkpoint(old_note)
    log = old.log
    if log is None:
        raise AuditError(f"checkpoint origin {old.origin!r} is not a claimflow audit log")
    with reader(session_or_engine) as r:
        new = sv.parse_checkpoint(new_note) if new_note is not None else _checkpoint(r, log)
        if new.origin != old.origin:
            raise AuditError("the two checkpoints are for different logs")
        if new.size < old.size:
            raise AuditError(f"the new checkpoint (size {new.size}) is older than the old one (size {old.size})")
        proof = merkle.consistency_proof(old.size, new.size, db_subtree(r, log))
    try:
        sv.verify_consistency(old.size, new.size, proof, old.root, new.root)
    except sv.VerifyError as e:
        raise AuditVerificationError(
            f"log {log!r}: the checkpoint at size {old.size} is not a prefix of the one at size {new.size} ({e})",
            seq=old.size,
            damage="rewritten",
            log=log,
        ) from e
    return {"format": sv.CONSISTENCY_FORMAT, "old": old.note, "new": new.note, "proof": [h.hex() for h in proof]}
