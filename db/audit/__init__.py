"""The tamper-evident audit log: RFC 8785 entries, a hash chain, an RFC 6962 Merkle tree, Ed25519 signed checkpoints.

Public API (everything takes the caller's session; the caller commits)::

    append(session, log=..., actor=..., type=..., data={...}) -> AuditEntry
    append_many(session, log=..., items=[(actor, type, data), ...]) -> list[AuditEntry]
    maybe_checkpoint(session, settings=..., log=..., force=False) -> Checkpoint | None
    verify_database(session_or_engine, log=None, checkpoint=None, pubkey=None, strict=False) -> VerifyReport
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from db.audit.writer import AuditEntry, append, append_many

if TYPE_CHECKING:  # pragma: no cover
    from db.audit.checkpoint import Checkpoint, maybe_checkpoint
    from db.audit.verify import VerifyReport, verify_database


def __getattr__(name: str) -> Any:
    # Checkpoints and verification pull in `cryptography`; load them on first use.
    if name in ("maybe_checkpoint", "Checkpoint", "create_checkpoint"):
        from db.audit import checkpoint

        return getattr(checkpoint, name)
    if name in ("verify_database", "VerifyReport"):
        from db.audit import verify

        return getattr(verify, name)
    raise AttributeError(name)


__all__ = [
    "AuditEntry",
    "Checkpoint",
    "VerifyReport",
    "append",
    "append_many",
    "maybe_checkpoint",
    "verify_database",
]
