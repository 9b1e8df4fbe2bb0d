"""Cross-check the claim tables against the audit log: every extraction and decision that the log recorded by digest
must still be stored unchanged (the PHI lives in those tables, where it can be corrected; a correction must be a new,
audited record, never a silent edit)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

import rfc8785
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from db.audit import standalone_verify as sv
from db.audit.source import reader

RECORD_CHANGED = "record_changed"

#: event type -> (digest field in the payload, table, JSON column)
CHECKED = {
    "extraction.completed": ("extraction_digest", "extractions", "extraction"),
    "claim.adjudicated": ("decision_digest", "decisions", "decision"),
    "claim.corrected": ("extraction_digest", "extractions", "extraction"),
    "claim.reviewed": ("decision_digest", "decisions", "decision"),
    "claim.reopened": ("decision_digest", "decisions", "decision"),
}


def _digest(value: Any) -> str:
    if isinstance(value, (str, bytes)):
        value = json.loads(value)
    return hashlib.sha256(rfc8785.dumps(value)).hexdigest()


#: Opens a row's sealed blob: (table, claim_id, blob) -> the record's JSON value; raises ErasedError when its data
#: key was destroyed on request (db/sealing.py, db/privacy.py).
Opener = Callable[[str, str, bytes], Any]


def verify_records(
    session_or_engine: Session | Engine, log: str | None = None, *, opener: Opener | None = None,
    erased: list[str] | None = None,
) -> list[sv.Problem]:  # fmt: skip
    """One problem per audited extraction/decision whose stored row is missing or no longer matches its digest.

    Encrypted rows are opened with ``opener``; a record erased on request (its key destroyed) is not a problem:
    it is listed in ``erased`` (one line each) instead."""
    problems: list[sv.Problem] = []
    markers = [f'"type":"{t}"'.encode() for t in CHECKED]
    with reader(session_or_engine) as r:
        for name in [log] if log else r.logs():
            audited = [
                (seq, bytes(entry))
                for seq, entry in r.all(
                    "SELECT seq, entry FROM audit_entry WHERE log = ? AND claim_id IS NOT NULL ORDER BY seq", (name,)
                )
                if any(m in bytes(entry) for m in markers)
            ]
            for seq, entry in audited:
                try:
                    obj = sv.parse_entry(entry)
                except ValueError:
                    continue  # a damaged entry is the log verifier's finding, not this one's
                if obj.get("type") not in CHECKED:
                    continue
                field, table, column = CHECKED[obj["type"]]
                data = obj.get("data", {})
                claim_id, logged = data.get("claim_id"), data.get(field)
                if not isinstance(logged, str):
                    continue
                rows = r.all(f"SELECT {column}, digest, sealed FROM {table} WHERE claim_id = ?",  # noqa: S608
                             (claim_id,))
                matched, was_erased = _matches(rows, logged, table, claim_id, opener)
                if was_erased and not matched:
                    if erased is not None:
                        erased.append(f"{name} seq {seq}: claim {claim_id}: {table[:-1]} erased on request")
                    continue
                if not matched:
                    problems.append(
                        sv.Problem(
                            name, seq, RECORD_CHANGED,
                            f"claim {claim_id}: no stored {table[:-1]} matches the digest logged at seq {seq}",
                        )
                    )
    return problems


def _matches(rows: list[Any], logged: str, table: str, claim_id: str, opener: Opener | None) -> tuple[bool, bool]:
    """(a stored row matches the logged digest, a candidate row was erased)."""
    from claimflow.errors import ErasedError

    was_erased = False
    for value, stored, sealed in rows:
        if stored != logged:
            continue
        if sealed is not None:
            if opener is None:
                continue  # encrypted and no key given: cannot be shown to match
            try:
                value = opener(table, claim_id, bytes(sealed))
            except ErasedError:
                was_erased = True
                continue
        if _digest(value) == logged:
            return True, was_erased
    return False, was_erased
