"""The claim pipeline's stages as plain functions (no Prefect): the CLI flow, the watcher and the API drive these.

Each stage is one database transaction that changes the claim *and* appends its audit entry, so the claim tables and
the audit log never disagree; a failure rolls the stage back and is then recorded as its own audited event.
Audit payloads carry ids and digests only — never names, diagnoses or document text.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session, sessionmaker

import db.audit as audit
from claimflow.errors import ClaimflowError, NotFoundError
from claimflow.model import Decision, Extraction, OcrResult
from claimflow.settings import Settings
from db import claims as repo
from db import members as members_repo
from db.engine import transaction
from db.models import Claim
from flows.runtime import store_for

if TYPE_CHECKING:
    from rules import Plan
    from rules.review import Overrides

log = logging.getLogger(__name__)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Context:
    settings: Settings
    sessions: sessionmaker[Session]
    tenant: str
    source: str  # cli, folder, api
    submitted_by: str
    # The date claims are received: today, or the date stamp of a backlog being keyed in (`process --received-on`).
    # Timely filing is measured against it; it is stored on the claim and logged.
    received_on: dt.date = field(default_factory=lambda: dt.datetime.now(dt.UTC).date())
    # The clock of time-dependent steps (review leases expire, review decisions are timed by it); tests inject one.
    clock: Callable[[], dt.datetime] = utcnow


@dataclass(frozen=True)
class Received:
    claim_id: str
    sha256: str  # the original's digest: every worker reads it from the document store by this
    original_name: str  # the path as the submitter gave it: errors and extractions name it
    status: str
    is_resubmission: bool


@dataclass(frozen=True)
class ClaimResult:
    """What the pipeline says about one file, for the CLI table, --json and the API."""

    file: str
    claim_id: str | None
    status: str
    sha256: str | None = None
    member_id: str | None = None
    total: Decimal | None = None
    currency: str | None = None
    outcome: str | None = None
    payable: Decimal | None = None
    error_kind: str | None = None
    error: str | None = None
    resubmission: bool = False
    review_queue: str | None = None
    reasons: tuple[str, ...] = ()

    def to_json_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "claim_id": self.claim_id,
            "sha256": self.sha256,
            "status": self.status,
            "member_id": self.member_id,
            "total": f"{self.total:.2f}" if self.total is not None else None,
            "currency": self.currency,
            "outcome": self.outcome,
            "payable": f"{self.payable:.2f}" if self.payable is not None else None,
            "review_queue": self.review_queue,
            "reasons": list(self.reasons),
            "error_kind": self.error_kind,
            "error": self.error,
            "resubmission": self.resubmission,
        }


def _claim(s: Session, received: Received) -> Claim:
    """The claim ``receive`` opened (it exists: claims are never deleted)."""
    claim = repo.get_claim(s, claim_id=received.claim_id)
    if claim is None:
        raise NotFoundError(f"claim {received.claim_id} is not in the database")
    return claim


def _audit(s: Session, ctx: Context, *, actor: str, type: str, data: dict[str, object]) -> None:
    """Append one entry to the tenant's audit log, and sign a checkpoint when one is due (every N entries)."""
    audit.append(s, log=ctx.tenant, actor=actor, type=type, data=data)
    audit.maybe_checkpoint(s, settings=ctx.settings, log=ctx.tenant)


def receive(ctx: Context, path: Path) -> Received:
    """Keep the original in the content-addressed store and open (or find) the claim for it.

    The same bytes submitted again by the same tenant are the same claim: nothing is duplicated, the resubmission is
    audited, and an unfinished claim resumes where it stopped.
    """
    stored = store_for(ctx.settings).put_file(path)
    sha, size = stored.sha256, stored.size
    with transaction(ctx.sessions) as s:
        existing = repo.find_claim(s, tenant=ctx.tenant, document_sha256=sha)
        if existing is not None:
            _audit(
                s,
                ctx,
                actor=ctx.submitted_by,
                type="claim.resubmitted",
                data={"claim_id": existing.id, "document_sha256": sha, "source": ctx.source,
                      "status": existing.status},
            )
            return Received(existing.id, sha, str(path), existing.status, True)
        repo.ensure_document(s, sha256=sha, size_bytes=size, original_name=path.name, stored_path=stored.key)
        claim = repo.create_claim(
            s, tenant=ctx.tenant, source=ctx.source, submitted_by=ctx.submitted_by, document_sha256=sha,
            received_on=ctx.received_on,
        )
        _audit(
            s,
            ctx,
            actor=ctx.submitted_by,
            type="claim.received",
            data={"claim_id": claim.id, "document_sha256": sha, "size_bytes": size, "source": ctx.source,
                  "received_on": claim.received_on.isoformat()},
        )
        return Received(claim.id, sha, str(path), claim.status, False)


@contextmanager
def original_path(ctx: Context, sha256: str) -> Iterator[Path]:
    """A local file holding the verified original ``sha256``, from whichever store the settings name (a temp copy
    when the store is remote, removed after the block). A damaged original raises StoreIntegrityError."""
    with store_for(ctx.settings).local_copy(sha256) as path:
        yield path


def record_sender_details(ctx: Context, received: Received, *, claim_reference: str | None,
                          declared_member_id: str | None) -> None:
    """Keep what the sender said about a new claim (a watched-folder sidecar); the audit entry says which fields,
    never their values (a member id is not for the audit log)."""
    with transaction(ctx.sessions) as s:
        claim = _claim(s, received)
        repo.record_sender_details(s, claim=claim, claim_reference=claim_reference,
                                   declared_member_id=declared_member_id)
        fields = [n for n, v in (("claim_reference", claim_reference), ("member_id", declared_member_id)) if v]
        _audit(s, ctx, actor=ctx.submitted_by, type="claim.sender_details",
               data={"claim_id": claim.id, "fields": fields})


def record_failure(ctx: Context, received: Received, stage: str, error: ClaimflowError) -> None:
    """Mark the claim failed and audit why (the error kind, never the message: it may name the patient's file)."""
    with transaction(ctx.sessions) as s:
        claim = _claim(s, received)
        repo.fail_claim(s, claim=claim, kind=error.kind, message=str(error))
        _audit(
            s,
            ctx,
            actor="claimflow",
            type="claim.failed",
            data={"claim_id": claim.id, "stage": stage, "error_kind": error.kind},
        )


def record_ocr(ctx: Context, received: Received, ocr: OcrResult) -> None:
    with transaction(ctx.sessions) as s:
        claim = _claim(s, received)
        repo.record_document_facts(s, document=ocr.document)
        repo.set_status(s, claim=claim, status=repo.ClaimStatus.OCR_DONE)
        _audit(
            s,
            ctx,
            actor="claimflow/ocr",
            type="ocr.completed",
            data={
                "claim_id": claim.id,
                "document_sha256": ocr.document.sha256,
                "engine": ocr.engine,
                "engine_version": ocr.engine_version,
                "pages": len(ocr.pages),
                "kind": ocr.document.kind.value,
                "mean_confidence": f"{ocr.mean_confidence:.4f}",
            },
        )


def record_extraction(ctx: Context, received: Received, extraction: Extraction, ocr: OcrResult) -> None:
    with transaction(ctx.sessions) as s:
        claim = _claim(s, received)
        row = repo.record_extraction(
            s, claim=claim, extraction=extraction, ocr_engine=f"{ocr.engine} {ocr.engine_version}",
            ocr_confidence=ocr.mean_confidence,
        )
        _audit(
            s,
            ctx,
            actor="claimflow/extract",
            type="extraction.completed",
            data={
                "claim_id": claim.id,
                "extraction_digest": row.digest,
                "extractor": extraction.extractor,
                "warnings": len(extraction.warnings),
            },
        )


def load_extraction(ctx: Context, received: Received) -> Extraction:
    with ctx.sessions() as s:
        row = repo.latest_extraction(s, claim_id=received.claim_id)
        assert row is not None, "claim has no extraction"
        return Extraction.model_validate(row.extraction)


def load_plans(ctx: Context) -> dict[str, Plan]:
    """The plans, read before a deciding transaction opens (not while it holds the locks)."""
    import rules

    return rules.load_plans(ctx.settings.plans_dir)


def adjudicate_claim(
    s: Session, ctx: Context, claim: Claim, extraction: Extraction, *, plans: dict[str, Plan],
    review: Overrides | None = None,
) -> Decision:  # fmt: skip
    """Adjudicate ``claim`` on ``extraction`` against the member's plan and the accumulators and history stored now
    (the claim's own earlier decisions excluded). Writes nothing; ``review`` is a person's approve or adjust.

    Takes the member's lock first (``db.members.lock_member``): the accumulators read here and the decision the caller
    records in this transaction must not interleave with another claim of the same member (or family), or both could
    consume the same deductible."""
    import rules

    member_id = extraction.patient.member_id
    member = members_repo.lock_member(s, tenant=ctx.tenant, member_id=member_id) if member_id else None
    plan = plans.get(member.plan_id) if member else None
    service_year = (extraction.service_dates[0] if extraction.service_dates else claim.received_on).year
    accumulators = members_repo.accumulators(
        session=s, tenant=ctx.tenant, member_id=member_id or "", year=service_year, exclude_claim_id=claim.id
    )
    history = members_repo.claim_history(
        session=s, tenant=ctx.tenant, member_id=member_id or "", exclude_claim_id=claim.id
    )
    return rules.adjudicate(
        extraction, member, plan, accumulators, history,
        today=claim.received_on, review_confidence=ctx.settings.review_confidence, review=review,
    )  # fmt: skip


def adjudicated_data(claim: Claim, digest: str, decision: Decision) -> dict[str, object]:
    """The ``claim.adjudicated`` audit payload: ids, the decision's digest, outcome, amount and codes only."""
    return {
        "claim_id": claim.id,
        "decision_digest": digest,
        "outcome": decision.outcome.value,
        "payable": f"{decision.payable:.2f}",
        "reason_codes": sorted({f"{r.group}-{r.code}" for r in decision.reasons}),
        "plan_id": decision.plan_id,
        "plan_version": decision.plan_version,
    }


def decide(ctx: Context, received: Received, extraction: Extraction) -> Decision:
    """Adjudicate against the member's plan and record the decision with its audit entry."""
    plans = load_plans(ctx)
    with transaction(ctx.sessions) as s:
        claim = _claim(s, received)
        decision = adjudicate_claim(s, ctx, claim, extraction, plans=plans)
        row = repo.record_decision(
            s, claim=claim, decision=decision,
            service_date=extraction.service_dates[0] if extraction.service_dates else None,
            decided_by="claimflow/rules",
        )
        _audit(s, ctx, actor="claimflow/rules", type="claim.adjudicated",
               data=adjudicated_data(claim, row.digest, decision))  # fmt: skip
        return decision


def summarize(ctx: Context, received: Received, *, file: str) -> ClaimResult:
    """The claim as it stands in the database (used for resubmissions and after processing)."""
    with ctx.sessions() as s:
        claim = _claim(s, received)
        ext = repo.latest_extraction(s, claim_id=claim.id)
        dec = repo.latest_decision(s, claim_id=claim.id)
        extraction = ext.extraction if ext else {}
        decision = dec.decision if dec else {}
        return ClaimResult(
            file=file,
            claim_id=claim.id,
            sha256=claim.document_sha256,
            status=claim.status,
            member_id=claim.member_id,
            total=Decimal(extraction["total"]) if extraction.get("total") else None,
            currency=extraction.get("currency"),
            outcome=dec.outcome if dec else None,
            payable=dec.payable if dec else None,
            review_queue=decision.get("review_queue"),
            reasons=tuple(f"{r['group']}-{r['code']}" for r in decision.get("reasons", [])),
            error_kind=claim.error_kind,
            error=claim.error_message,
            resubmission=received.is_resubmission,
        )
