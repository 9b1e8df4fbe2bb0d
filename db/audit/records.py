"""Cross-check the claim tables against the audit log: every extraction and decision that the log recorded by digest
must still be stored unchanged (the PHI lives in those tables, where it can be corrected; a correction must be a new,
audited record, never a silent edit)."""

from __future__ import annotations

import hashlib
import json
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


def verify_records(session_or_engine: Session | Engine, log: str | None = None) -> list[sv.Problem]:
    """One problem per audited extraction/decision whose stored row is missing or no longer matches its digest."""
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
                rows = r.all(f"SELECT {column}, digest FROM {table} WHERE claim_id = ?", (claim_id,))  # noqa: S608
                if not any(stored == logged and _digest(value) == logged for value, stored in rows):
                    problems.append(
                        sv.Problem(
                            name, seq, RECORD_CHANGED,
                            f"claim {claim_id}: no stored {table[:-1]} matches the digest logged at seq {seq}",
                        )
                    )
    return problems
