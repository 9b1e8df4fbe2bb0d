"""The claim pipeline's stages as plain functions (no Prefect): the CLI flow, the watcher and the API drive these.

Each stage is one database transaction that changes the claim *and* appends its audit entry, so the claim tables and
the audit log never disagree; a failure rolls the stage back and is then recorded as its own audited event.
Audit payloads carry ids and digests only — never names, diagnoses or document text.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Iterator
from concurrent.futures import Executor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
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

log = logging.getLogger(__name__)


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
    # A process pool the OCR stage puts its pages on (a batch shares one); None: read in this process.
    ocr_executor: Executor | None = None

    @classmethod
    def for_worker(cls, settings: Settings, sessions: sessionmaker[Session], tenant: str,
                   ocr_executor: Executor | None = None) -> Context:
        """The context a flow run works in: the claim was received elsewhere, this process only processes it."""
        return cls(settings=settings, sessions=sessions, tenant=tenant, source="flow", submitted_by="claimflow",
                   ocr_executor=ocr_executor)


@dataclass(frozen=True)
class Received:
    claim_id: str
    sha256: str  # the original's digest: every worker reads it from the document store by this
    original_name: str  # the path as the submitter gave it: errors and extractions name it
    status: str
    is_resubmission: bool
    attempts: int = 0  # runs after a transient failure so far (claims.attempts)


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

    def named(self, file: str) -> ClaimResult:
        """This result for the file the submitter gave: a worker names a document by its digest label only."""
        label = document_label(self.sha256) if self.sha256 else None
        error = self.error.replace(label, file) if self.error and label else self.error
        return replace(self, file=file, error=error)

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


def document_label(sha256: str) -> str:
    """How a worker names a document in messages, OCR results and Prefect's records: by digest, never by file name."""
    return f"document sha256:{sha256[:12]}"


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
            return Received(existing.id, sha, str(path), existing.status, True, existing.attempts or 0)
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


def record_failure(ctx: Context, received: Received, stage: str, error: ClaimflowError, *,
                   transient: bool = False) -> None:
    """Mark the claim failed and audit why (the error kind, never the message: it may name the patient's file).

    ``transient``: the stage failed for a reason that may pass (its retries used up); the claim is
    ``failed_transient`` and runs again on ``claimflow retry`` or a resubmission. The audit entry says so.
    """
    data: dict[str, object] = {"claim_id": received.claim_id, "stage": stage, "error_kind": error.kind}
    if transient:
        data["transient"] = True
    with transaction(ctx.sessions) as s:
        claim = _claim(s, received)
        repo.fail_claim(s, claim=claim, kind=error.kind, message=str(error), transient=transient)
        _audit(s, ctx, actor="claimflow", type="claim.failed", data=data)


def load(ctx: Context, claim_id: str, document_sha256: str) -> Received:
    """The claim a flow run was given, as the database has it. The digest must be the claim's own."""
    with ctx.sessions() as s:
        claim = repo.get_claim(s, claim_id=claim_id)
        if claim is None or claim.tenant != ctx.tenant:
            raise NotFoundError(f"claim {claim_id} of tenant {ctx.tenant} is not in the database")
        if claim.document_sha256 != document_sha256:
            raise NotFoundError(f"claim {claim_id} is not the claim of {document_label(document_sha256)}")
        return Received(claim.id, claim.document_sha256, document_label(document_sha256), claim.status, False,
                        claim.attempts or 0)


def reopen(ctx: Context, received: Received, *, actor: str) -> Received:
    """Open a new attempt at a claim that is not final (``failed_transient``, or stopped mid-way by a crash): it
    resumes from its last completed stage, ``attempts`` goes up by one and ``claim.retried`` is audited with the
    attempt number. A final claim (decided, or failed on invalid input) is returned unchanged: never re-decided."""
    with transaction(ctx.sessions) as s:
        claim = _claim(s, received)
        if claim.status in repo.ClaimStatus.FINAL:
            return replace(received, status=claim.status, attempts=claim.attempts or 0)
        resume = repo.reopen_claim(s, claim=claim)
        _audit(s, ctx, actor=actor, type="claim.retried",
               data={"claim_id": claim.id, "attempt": claim.attempts, "resume_from": resume})
        return replace(received, status=resume, attempts=claim.attempts)


def prepare() -> None:
    """Load what every claim of a batch shares (the NER model, its calibration) once, before threads race to."""
    from extractors import icd
    from extractors.calibration import shipped
    from extractors.ner.pipeline import load as load_model

    load_model()
    shipped()
    icd.warm()


def plans(directory: Path | None) -> dict[str, Plan]:
    """The plans of ``directory`` (default: the shipped ones), parsed once and again only when a file changes
    (parsing them took ~0.2 s a claim). The key is every plan file's name, size and modification time."""
    from rules.loader import PLANS_DIR, plan_files

    where = Path(directory) if directory is not None else PLANS_DIR
    files = plan_files(where) if where.is_dir() else []
    key = (str(where), tuple((f.name, st.st_size, st.st_mtime_ns) for f in files for st in [f.stat()]))
    return _plans(key)


@functools.lru_cache(maxsize=4)
def _plans(key: tuple[str, tuple[tuple[str, int, int], ...]]) -> dict[str, Plan]:
    import rules

    return rules.load_plans(Path(key[0]))


def read(ctx: Context, received: Received) -> OcrResult:
    """The OCR stage on the stored original, named by its digest label (errors and results never carry a file
    name into the orchestrator's records)."""
    import extractors

    with original_path(ctx, received.sha256) as original:
        return extractors.read(original, ctx.settings, display_name=received.original_name,
                               executor=ctx.ocr_executor)


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


def decide(ctx: Context, received: Received, extraction: Extraction) -> Decision:
    """Adjudicate against the member's plan and record the decision with its audit entry."""
    import rules

    plans_by_id = plans(ctx.settings.plans_dir)
    with transaction(ctx.sessions) as s:
        member_id = extraction.patient.member_id
        # The member's lock first: accumulators read here and the decision recorded below must not interleave with
        # another claim of the same member (or family), or both could consume the same deductible.
        member = members_repo.lock_member(s, tenant=ctx.tenant, member_id=member_id) if member_id else None
        claim = _claim(s, received)
        plan = plans_by_id.get(member.plan_id) if member else None
        service_year = (extraction.service_dates[0] if extraction.service_dates else claim.received_on).year
        accumulators = members_repo.accumulators(
            session=s, tenant=ctx.tenant, member_id=member_id or "", year=service_year, exclude_claim_id=claim.id
        )
        history = members_repo.claim_history(
            session=s, tenant=ctx.tenant, member_id=member_id or "", exclude_claim_id=claim.id
        )
        decision = rules.adjudicate(
            extraction, member, plan, accumulators, history,
            today=claim.received_on, review_confidence=ctx.settings.review_confidence,
        )
        row = repo.record_decision(
            s, claim=claim, decision=decision,
            service_date=extraction.service_dates[0] if extraction.service_dates else None,
            decided_by="claimflow/rules",
        )
        _audit(
            s,
            ctx,
            actor="claimflow/rules",
            type="claim.adjudicated",
            data={
                "claim_id": claim.id,
                "decision_digest": row.digest,
                "outcome": decision.outcome.value,
                "payable": f"{decision.payable:.2f}",
                "reason_codes": sorted({f"{r.group}-{r.code}" for r in decision.reasons}),
                "plan_id": decision.plan_id,
                "plan_version": decision.plan_version,
            },
        )
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
