"""Encryption at rest of the personal fields of claim rows: the one accessor every reader goes through.

Sealed fields (all in one blob per row, column ``sealed``, under the subject's data key — db/keys.py):

=============== ====================================== ==================================================
row             sealed                                 kept plain (``stored`` columns)
=============== ====================================== ==================================================
ExtractionRow   extraction                             total, currency, evidence confidences (no values)
DecisionRow     decision, note, changes                outcome, amounts, queue, plan, accumulator fields
MemberRow       name, date_of_birth                    (nothing: the columns are NULL; member_id is a blind index)
=============== ====================================== ==================================================

Readers use the models' ``row.extraction`` / ``row.decision`` / ``row.note`` / ``row.changes`` / ``row.name`` /
``row.date_of_birth``, which open the blob here with the keyring of the row's session (``session.info["keyring"]``,
set by ``db.engine.session_factory``). SQL expressions on those names use the plain projection. Writers build the
row with plaintext values and call ``seal_row``; a session without a keyring (encryption off) keeps plaintext.
A row whose data key was destroyed (erasure) raises ErasedError; the projection stays readable (``row.stored``).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, object_session

from claimflow.errors import DatabaseError, MasterKeyError
from db.keys import Keyring
from db.models import DecisionRow, ExtractionRow, MemberRow

#: field -> the column attribute that holds it in plaintext (or its projection)
STORED = {
    ExtractionRow: {"extraction": "stored"},
    DecisionRow: {"decision": "stored", "note": "note_stored", "changes": "changes_stored"},
    MemberRow: {"name": "name_stored", "date_of_birth": "date_of_birth_stored"},
}
EXTRACTION_PLAIN = ("total", "currency")
#: What accumulators, queues and statistics need of a decision: amounts, outcome, dates of processing, codes.
DECISION_PLAIN = (
    "outcome", "billed", "allowed", "payable", "member_responsibility", "currency", "review_queue", "plan_id",
    "plan_version", "engine_version", "decided_on", "service_date", "benefit_year", "proposed_payable",
    "deductible_applied", "copay_applied", "coinsurance_applied", "oop_applied", "limit_paid", "service_counts",
    "provider",
)  # fmt: skip
_CACHE = "_cf_opened"
_ORIGIN = "_cf_origin"


def keyring_of(session: Session | None) -> Keyring | None:
    return session.info.get("keyring") if session is not None else None


def aad(row: object) -> str:
    if isinstance(row, ExtractionRow):
        return f"extraction/{row.claim_id}"
    if isinstance(row, DecisionRow):
        return f"decision/{row.claim_id}"
    if isinstance(row, MemberRow):
        return f"member/{row.tenant}/{row.member_id}"
    raise TypeError(type(row).__name__)


def _encode(field: str, value: Any) -> Any:
    return value.isoformat() if field == "date_of_birth" and isinstance(value, dt.date) else value


def _decode(field: str, value: Any) -> Any:
    return dt.date.fromisoformat(value) if field == "date_of_birth" and isinstance(value, str) else value


def _payload(row: Any) -> dict[str, Any]:
    blob = bytes(row.sealed)
    cached = row.__dict__.get(_CACHE)
    if cached is not None and cached[0] == blob:
        return cached[1]  # type: ignore[no-any-return]
    session = object_session(row)
    if session is not None:
        keyring = keyring_of(session)
        if keyring is None:
            raise MasterKeyError("this data is encrypted at rest, but this session has no key provider")
        payload = json.loads(keyring.open(session, blob, aad(row)))
    else:  # detached (its session closed): the data key is read in a short session of the same database
        keyring, bind = row.__dict__.get(_ORIGIN, (None, None))
        if keyring is None:
            raise DatabaseError(f"{type(row).__name__} of {aad(row)} is encrypted and was not loaded with a keyring",
                                hint="load it with sessions made by flows.runtime.sessions_for(settings)")
        with Session(bind=bind) as own:
            payload = json.loads(keyring.open(own, blob, aad(row)))
    row.__dict__[_CACHE] = (blob, payload)
    return payload  # type: ignore[no-any-return]


def opened(row: Any, field: str) -> Any:
    """The plaintext value of ``field`` (opening the row's sealed blob if it has one)."""
    if row.sealed is None:
        return getattr(row, STORED[type(row)][field])
    return _decode(field, _payload(row).get(field))


def set_plain(row: Any, field: str, value: Any) -> None:
    """Set a personal field in plaintext; a sealed row is opened first (call ``seal_row`` to seal it again)."""
    fields = STORED[type(row)]
    if row.sealed is not None:
        payload = _payload(row)
        for f, attr in fields.items():
            setattr(row, attr, _decode(f, payload.get(f)))
        row.sealed = None
        row.__dict__.pop(_CACHE, None)
    setattr(row, fields[field], value)


def _projection(row: Any, payload: dict[str, Any]) -> dict[str, Any]:
    if isinstance(row, ExtractionRow):
        x = payload["extraction"] or {}
        return {**{k: x.get(k) for k in EXTRACTION_PLAIN}, **_confidences(x)}
    d = payload["decision"] or {}
    return {k: d[k] for k in DECISION_PLAIN if k in d}


def prepare(session: Session, subject: str) -> None:
    """Make ``subject``'s data key now, while no plaintext is pending in the session (making a key flushes it)."""
    keyring = keyring_of(session)
    if keyring is not None:
        keyring.data_key(session, subject)


def _confidences(x: dict[str, Any]) -> dict[str, Any]:
    """The extraction's evidence confidences without a single value (db/dashboard.py's quality figures)."""
    fields = {name: {"confidence": e.get("confidence")} for name, e in (x.get("fields") or {}).items()
              if isinstance(e, dict)}
    items = {key: [{"evidence": {"confidence": ((i.get("evidence") or {}).get("confidence"))}} for i in x.get(key) or []
                   if isinstance(i, dict)] for key in ("line_items", "diagnoses")}
    return {"fields": fields, **items}


def seal_row(session: Session, row: Any, subject: str) -> None:
    """Seal the row's personal fields under ``subject``'s data key (no keyring in the session: leave plaintext)."""
    keyring = keyring_of(session)
    if keyring is None or row.sealed is not None:
        return
    fields = STORED[type(row)]
    payload = {f: _encode(f, getattr(row, attr)) for f, attr in fields.items()}
    if isinstance(row, MemberRow) and payload["name"] is None and payload["date_of_birth"] is None:
        return
    with session.no_autoflush:  # the row (if already pending) must not reach the database in plaintext
        blob = keyring.seal(session, subject, json.dumps(payload, separators=(",", ":")).encode(), aad(row))
    for f, attr in fields.items():
        setattr(row, attr, _projection(row, payload) if f in ("extraction", "decision") else None)
    row.sealed = blob
    row.__dict__[_CACHE] = (blob, payload)


def _remember_origin(row: Any, context: Any) -> None:
    """On load, remember the loading session's keyring and database, so the row opens after that session closed."""
    session = context.session
    row.__dict__[_ORIGIN] = (keyring_of(session), session.get_bind())


for _cls in STORED:
    event.listen(_cls, "load", _remember_origin)
