"""Audit over HTTP (auditor role): a claim's entries with inclusion proofs, the latest signed checkpoint, and
verification of the tenant's whole log (in the background when it is long). Format: db/audit/README.md."""

from __future__ import annotations

import base64
import logging
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Path
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session, sessionmaker

import db.audit as audit
from claimflow.errors import AuditError, AuditVerificationError, ConflictError, NotFoundError
from claimflow.settings import Settings
from db import verifications as jobs
from db.api_keys import Role
from db.audit import checkpoint as checkpoints
from db.audit import proofs
from db.audit import standalone_verify as sv
from db.audit.writer import read_head
from db.engine import transaction

from api.deps import Principal, ReadSessionsDep, SessionDep, SessionsDep, SettingsDep, claim_or_404, require
from api.problems import responses
from api.schemas import UtcDatetime

log = logging.getLogger(__name__)

router = APIRouter(tags=["audit"])

Auditor = Annotated[Principal, Depends(require(Role.auditor))]
ClaimId = Annotated[str, Path(min_length=1, max_length=64, description="The claim id (a UUID).",
                              examples=["0b8f0c1e-3a55-4c55-9d1e-4d5ce2cfb0a1"])]
JobId = Annotated[str, Path(min_length=1, max_length=64, description="The verification id.")]


# --- schemas -------------------------------------------------------------------------------------------------------


class ProofEntry(BaseModel):
    seq: int = Field(description="The entry's sequence number in the log (1-based).")
    entry: str = Field(description="The entry exactly as hashed: RFC 8785 canonical JSON.")
    leaf_index: int = Field(description="seq - 1.")
    tree_size: int = Field(description="The size of the signed checkpoint the proof is against.")
    inclusion: list[str] = Field(description="RFC 6962 inclusion proof: sibling hashes, hex, leaf to root.")


class ClaimProof(BaseModel):
    """A ``claimflow-audit-proof/1`` document: save it and run ``python3 verify.py --proof FILE --pubkey KEY``."""

    format: str = Field(examples=[sv.PROOF_FORMAT])
    log: str
    claim_id: str
    checkpoint: str = Field(description="The C2SP signed note of the checkpoint the proofs are against.")
    entries: list[ProofEntry]
    pending: list[int] = Field(description="Sequence numbers newer than the checkpoint (none: one is signed first).")


class CheckpointPublic(BaseModel):
    log: str
    origin: str = Field(examples=["claimflow.audit/acme"])
    size: int = Field(description="Entries covered.")
    root: str = Field(description="Merkle tree root, base64 (as in the note).")
    signed_note: str = Field(description="C2SP signed note (tlog-checkpoint body + Ed25519 signature line).")
    key_name: str = Field(examples=[sv.DEFAULT_KEY_NAME])
    key_id: str = Field(description="The signing key's ID (4 bytes, hex) from the signature line.")
    verifier_key: str | None = Field(None, description="The C2SP verifier key of the signing key, if the server has "
                                     "it. Compare it with the copy you trust; do not trust it because it is here.")


class VerifyIn(BaseModel):
    strict: bool = Field(False, description="Also require canonical entries, a public key and a checkpoint.")


class VerificationPublic(BaseModel):
    id: str
    state: str = Field(description="running, verified (no damage), failed (damage found) or error (could not run).")
    entries: int = Field(description="Entries in the log when the verification was asked for.")
    created_at: UtcDatetime
    finished_at: UtcDatetime | None = None
    status_url: str
    report: dict[str, Any] | None = Field(None, description="The verifier's report: ok, first_problem (seq, damage), "
                                          "per-log entries, root, checkpoints covered, warnings.")


# --- proofs and checkpoints ----------------------------------------------------------------------------------------


def _try_prove(sessions: sessionmaker[Session], tenant: str, claim_id: str) -> tuple[dict[str, Any] | None, str]:
    """The proof document, or None and why when no signed checkpoint covers the claim's entries. Damage raises."""
    try:
        with sessions() as s:
            return proofs.prove_claim(s, claim_id, log=tenant), ""
    except AuditVerificationError:
        raise
    except AuditError as e:  # no checkpoint yet, or none covering the claim's entries
        return None, e.message


def _prove(settings: Settings, sessions: sessionmaker[Session], read: sessionmaker[Session], tenant: str,
           claim_id: str) -> dict[str, Any]:
    """The claim's proofs (read with ``read``); when some of its entries are newer than the last signed checkpoint,
    one is signed first (written with ``sessions``) so that every entry is proven."""
    doc, _ = _try_prove(read, tenant, claim_id)
    if doc is not None and not doc["pending"]:
        return doc
    with transaction(sessions) as s:
        audit.maybe_checkpoint(s, settings=settings, log=tenant, force=True)
    doc, why = _try_prove(read, tenant, claim_id)
    if doc is None:
        raise ConflictError(f"claim {claim_id}: {why}", hint="the server has no audit signing key: run "
                            "`claimflow audit keygen`, or sign a checkpoint with `claimflow audit checkpoint`")
    return doc


@router.get("/v1/claims/{claim_id}/audit", response_model=ClaimProof, summary="A claim's audit entries with proofs",
            responses=responses(401, 403, 404, 409, 429))
def claim_audit(
    claim_id: ClaimId, principal: Auditor, settings: SettingsDep, sessions: SessionsDep, read: ReadSessionsDep
) -> ClaimProof:
    """Every audit entry of the claim with an RFC 6962 inclusion proof against the latest signed checkpoint of the
    tenant's log. The document verifies offline with the export bundle's ``verify.py --proof``."""
    with read() as s:
        claim_or_404(s, principal, claim_id)
    return ClaimProof.model_validate(_prove(settings, sessions, read, principal.tenant, claim_id))


@router.get("/v1/audit/checkpoint", response_model=CheckpointPublic, summary="The latest signed checkpoint",
            responses=responses(401, 403, 404, 429))
def latest_checkpoint(principal: Auditor, settings: SettingsDep, session: SessionDep) -> CheckpointPublic:
    cp = checkpoints.latest_checkpoint(session, principal.tenant)
    if cp is None:
        raise NotFoundError(f"log {principal.tenant!r} has no signed checkpoint yet",
                            hint="checkpoints are signed every CLAIMFLOW_CHECKPOINT_EVERY entries")
    signed = sv.parse_checkpoint(cp.signed_note)
    key_name, key_id, _ = signed.signatures[0]
    vkey_path = checkpoints.public_paths(settings.signing_key)[1]
    vkey = vkey_path.read_text(encoding="utf-8").strip() if vkey_path.is_file() else None
    return CheckpointPublic(log=cp.log, origin=cp.origin, size=cp.size, root=base64.b64encode(cp.root).decode(),
                            signed_note=cp.signed_note, key_name=key_name, key_id=key_id.hex(), verifier_key=vkey)


# --- verification --------------------------------------------------------------------------------------------------


def status_url(job_id: str) -> str:
    return f"/v1/audit/verifications/{job_id}"


def _public(row: jobs.AuditVerification) -> VerificationPublic:
    return VerificationPublic(id=row.id, state=row.state, entries=row.entries, created_at=row.created_at,
                              finished_at=row.finished_at, status_url=status_url(row.id), report=row.result)


def run_verification(settings: Settings, sessions: sessionmaker[Session], read: sessionmaker[Session], job_id: str,
                     tenant: str, strict: bool) -> None:
    """Verify the tenant's log (reading with ``read``: on SQLite no write lock is held meanwhile) and record the
    outcome on the job (a failure to run is recorded too, as ``error``)."""
    pub = checkpoints.public_paths(settings.signing_key)[0]
    try:
        with read() as s:
            report = audit.verify_database(s, log=tenant, pubkey=pub if pub.is_file() else None, strict=strict)
        state, result = (jobs.VERIFIED if report.ok else jobs.FAILED), report.to_dict()
    except (sv.VerifyError, OSError, AuditError) as e:
        log.warning("audit verification %s could not run: %s", job_id, type(e).__name__)
        state, result = jobs.ERROR, {"ok": False, "error": str(e)}
    with transaction(sessions) as s:
        jobs.finish(s, job_id=job_id, state=state, result=result)


@router.post("/v1/audit/verify", response_model=VerificationPublic, summary="Verify the tenant's audit log",
             responses={202: {"model": VerificationPublic, "description": "A long log: verification runs in the "
                              "background; poll status_url (also in Location)."}, **responses(401, 403, 422, 429)})
def verify(body: VerifyIn, principal: Auditor, settings: SettingsDep, sessions: SessionsDep, read: ReadSessionsDep,
           background: BackgroundTasks) -> JSONResponse:
    """Recompute every leaf, chain link and Merkle root and check every signed checkpoint with the server's public
    key. Logs up to CLAIMFLOW_AUDIT_VERIFY_INLINE_MAX entries answer at once (200); longer ones answer 202 with a
    status URL. For a verification that does not trust this server, use an export bundle and ``verify.py``."""
    with transaction(sessions) as s:
        head = read_head(s, principal.tenant)
        row = jobs.start(s, tenant=principal.tenant, requested_by=principal.actor, entries=head.size if head else 0)
    if row.entries <= settings.audit_verify_inline_max:
        run_verification(settings, sessions, read, row.id, principal.tenant, body.strict)
        with read() as s:
            done = jobs.get(s, tenant=principal.tenant, job_id=row.id)
            assert done is not None
            return JSONResponse(_public(done).model_dump(mode="json"), status_code=200)
    background.add_task(run_verification, settings, sessions, read, row.id, principal.tenant, body.strict)
    return JSONResponse(_public(row).model_dump(mode="json"), status_code=202,
                        headers={"Location": status_url(row.id)})


@router.get("/v1/audit/verifications/{job_id}", response_model=VerificationPublic,
            summary="A verification's state and report", responses=responses(401, 403, 404, 429))
def verification(job_id: JobId, principal: Auditor, session: SessionDep) -> VerificationPublic:
    row = jobs.get(session, tenant=principal.tenant, job_id=job_id)
    if row is None:
        raise NotFoundError(f"no verification {job_id}")
    return _public(row)
