"""Verifying the audit log in the database: every leaf, chain link, Merkle root at every checkpoint, signatures,
the head row, and (optionally) the auditor's own checkpoint files. The walking and judging logic is the standalone
verifier's (db/audit/standalone_verify.py), so the database and an export bundle are judged by the same code."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from claimflow.errors import AuditVerificationError
from db.audit import standalone_verify as sv
from db.audit.merkle import split_frontier
from db.audit.source import reader

log_ = logging.getLogger(__name__)

VerifyReport = sv.Report
LogReport = sv.LogReport
Problem = sv.Problem


def _keys(pubkey: Path | str | sv.TrustedKey | Sequence[Path | str | sv.TrustedKey] | None) -> list[sv.TrustedKey]:
    if pubkey is None:
        return []
    items = pubkey if isinstance(pubkey, (list, tuple)) else [pubkey]
    return [k if isinstance(k, sv.TrustedKey) else sv.load_public_key(k) for k in items]


def _external(checkpoint: Path | str | Sequence[Path | str] | None) -> dict[str, list[sv.CheckpointSource]]:
    out: dict[str, list[sv.CheckpointSource]] = {}
    if checkpoint is None:
        return out
    items = checkpoint if isinstance(checkpoint, (list, tuple)) else [checkpoint]
    for path in items:
        note = Path(path).read_text(encoding="utf-8")
        cp = sv.parse_checkpoint(note)
        out.setdefault(cp.log or cp.origin, []).append(sv.CheckpointSource(note, str(path)))
    return out


def verify_database(
    session_or_engine: Session | Engine,
    log: str | None = None,
    checkpoint: Path | str | Sequence[Path | str] | None = None,
    pubkey: Path | str | sv.TrustedKey | Sequence[Path | str | sv.TrustedKey] | None = None,
    strict: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
) -> sv.Report:
    """Recompute everything for ``log`` (default: every log) and return a report (``report.ok``, ``first_problem``).

    ``checkpoint``: checkpoint file(s) kept outside the database (they catch tail deletion and whole-table re-hashing
    even when the database's own checkpoint rows were removed). ``pubkey``: the trusted public key(s); without one,
    signatures are not checked (a warning; a failure with ``strict``). ``progress(log, done, total)`` is called as
    entries are read. Raises sv.VerifyError for unreadable checkpoint or key files.
    """
    keys = _keys(pubkey)
    external = _external(checkpoint)
    report = sv.Report()
    with reader(session_or_engine) as r:
        names = [log] if log is not None else r.logs()
        for name in external:
            if name not in names and log is None:
                names.append(name)
            elif name not in names:
                report.warnings.append(f"checkpoint for log {name!r} ignored: verifying only log {log!r}")
        for name in names:
            head_row = r.one("SELECT size, chain_hash, frontier FROM audit_head WHERE log = ?", (name,))
            head = (
                sv.HeadState(head_row[0], bytes(head_row[1]), tuple(split_frontier(bytes(head_row[2]))))
                if head_row
                else None
            )
            cps = [
                sv.CheckpointSource(note, "database", size, bytes(root), bytes(chain))
                for size, root, chain, note in r.all(
                    "SELECT size, root, chain_hash, signed_note FROM audit_checkpoint WHERE log = ? ORDER BY size",
                    (name,),
                )
            ]
            cps += external.get(name, [])
            total = head.size if head is not None else 0
            cb = (lambda done, _n=name, _t=total: progress(_n, done, _t)) if progress else None
            lr = sv.verify_log(name, r.entry_rows(name), cps, keys, strict=strict, head=head, progress=cb)
            report.logs.append(lr)
    if not report.ok:
        p = report.first_problem
        assert p is not None
        log_.warning("audit verification failed: log %s seq %s %s", p.log, p.seq, p.damage)
    return report


def raise_for(report: sv.Report) -> None:
    """Turn a failed report into the AuditVerificationError the CLI and API translate."""
    p = report.first_problem
    if p is not None:
        raise AuditVerificationError(
            f"audit log {p.log!r} does not verify: first bad seq {p.seq}, {p.damage}: {p.message}",
            seq=p.seq,
            damage=p.damage,
            log=p.log,
        )
