"""The claim pipeline's stages as plain functions (no Prefect): the CLI flow, the watcher and the API drive these.

Each stage is one database transaction that changes the claim *and* appends its audit entry, so the claim tables and
the audit log never disagree; a failure rolls the stage back and is then recorded as its own audited event.
Audit payloads carry ids and digests only — never names, diagnoses or document text.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session, sessionmaker

import db.audit as audit
from claimflow.digest import sha256_file
from claimflow.errors import (
    ClaimflowError,
    ConflictError,
    DatabaseError,
    NotFoundError,
    OcrTimeoutError,
    StoreUnavailableError,
    WorkerCrashedError,
)
from claimflow.model import Decision, Extraction, OcrResult, claim_extraction
from claimflow.settings import Settings
from db import claim_documents as claim_docs
from db import claims as repo
from db import members as members_repo
from db import webhooks
from db.engine import transaction
from db.member_index import member_index, reveal_member_id
from db.models import Claim, DocumentRow
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
    # The worker processes (``extractors.worker.make_pool``) the OCR stage puts its pages on and the extraction stage
    # its documents (a batch shares one); None: both in this process.
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
    return receive_documents(ctx, [(path, str(path))])


def receive_documents(
    ctx: Context,
    documents: Sequence[tuple[Path, str]],
    *,
    reference: str | None = None,
    declared_member_id: str | None = None,
) -> Received:
    """Keep the originals and open (or find) the claim for them: ``documents`` are (file, name to show) in order.

    Document 1 identifies the claim (``claims.document_sha256``): the same documents again are the same claim (a
    resubmission, audited); a different set whose first document opened another claim is refused (ConflictError).
    If the claim cannot be recorded, originals stored by this call are removed again: nothing is half-written.
    """
    if not documents:
        raise ValueError("a claim has at least one document")
    store = store_for(ctx.settings)
    created: list[str] = []
    try:
        stored = []
        for path, name in documents:
            is_new = not (path.is_file() and store.exists(sha256_file(path)))
            kept = store.put_file(path)
            if is_new:
                created.append(kept.sha256)
            stored.append((kept, name))
        shas = [kept.sha256 for kept, _ in stored]
        first, first_name = stored[0]
        with transaction(ctx.sessions) as s:
            existing = repo.find_claim(s, tenant=ctx.tenant, document_sha256=first.sha256)
            if existing is not None:
                known = [d.sha256 for d in claim_docs.documents(session=s, claim=existing)]
                if known != shas:
                    raise ConflictError(
                        f"claim {existing.id} was opened for the same first document with other documents",
                        hint="submit the same documents in the same order, or put another document first",
                    )
                _audit(
                    s,
                    ctx,
                    actor=ctx.submitted_by,
                    type="claim.resubmitted",
                    data={"claim_id": existing.id, "document_sha256": first.sha256, "source": ctx.source,
                          "status": existing.status},
                )
                created.clear()  # the stored originals belong to that claim
                return Received(existing.id, first.sha256, first_name, existing.status, True, existing.attempts or 0)
            for kept, name in stored:
                repo.ensure_document(s, sha256=kept.sha256, size_bytes=kept.size, original_name=Path(name).name[:500],
                                     stored_path=kept.key)
            claim = repo.create_claim(
                s, tenant=ctx.tenant, source=ctx.source, submitted_by=ctx.submitted_by, document_sha256=first.sha256,
                received_on=ctx.received_on,
            )
            claim.reference = reference
            if declared_member_id:
                claim.declared_member_id = member_index(s, ctx.tenant, declared_member_id, remember=True)
            claim_docs.add_documents(session=s, claim_id=claim.id, sha256s=shas)
            data: dict[str, object] = {"claim_id": claim.id, "document_sha256": first.sha256, "size_bytes": first.size,
                                       "source": ctx.source, "received_on": claim.received_on.isoformat()}
            if len(stored) > 1:
                data["documents"] = shas
            _audit(s, ctx, actor=ctx.submitted_by, type="claim.received", data=data)
            created.clear()
            return Received(claim.id, first.sha256, first_name, claim.status, False)
    finally:
        _remove_unclaimed(ctx, created)


def _remove_unclaimed(ctx: Context, shas: list[str]) -> None:
    """Delete originals this call stored when its claim was not recorded (unless another claim uses them by now)."""
    if not shas:
        return
    with ctx.sessions() as s:
        unclaimed = [sha for sha in shas if s.get(DocumentRow, sha) is None]
    for sha in unclaimed:
        store_for(ctx.settings).delete(sha)


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
    """Load what extraction in this process shares (the NER model, its calibration, the choosers, the ICD index)
    once, before threads race to. A batch's worker processes load their own (``extractors.worker.init``)."""
    from extractors.worker import warm

    warm()


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


def record_extraction(
    ctx: Context, received: Received, extraction: Extraction, ocr: OcrResult, *, confidence: float | None = None
) -> None:
    """Record the claim's extraction (``confidence``: the OCR confidence over all its documents, default ``ocr``'s)."""
    with transaction(ctx.sessions) as s:
        claim = _claim(s, received)
        row = repo.record_extraction(
            s, claim=claim, extraction=extraction, ocr_engine=f"{ocr.engine} {ocr.engine_version}",
            ocr_confidence=ocr.mean_confidence if confidence is None else confidence,
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
        return claim_extraction.load_extraction(row.extraction)


def read_documents(ctx: Context, received: Received) -> list[OcrResult]:
    """OCR every document of the claim, in order (``read`` each), recording each (``ocr.completed`` per document).
    Document 1 is named as ``received`` names it; the others by their digest label."""
    with ctx.sessions() as s:
        shas = [d.sha256 for d in claim_docs.documents(session=s, claim=_claim(s, received))]
    results = []
    for i, sha in enumerate(shas):
        document = received if i == 0 else replace(received, sha256=sha, original_name=document_label(sha))
        ocr = read(ctx, document)
        record_ocr(ctx, received, ocr)
        results.append(ocr)
    return results


def extract_documents(ctx: Context, received: Received, ocrs: Sequence[OcrResult]) -> Extraction:
    """Extract every document and record the claim's extraction: the documents' merged by ``merge_extractions``.
    With ``ctx.ocr_executor`` (a batch's worker pool) the documents are extracted in its worker processes."""
    from extractors.worker import extract_many

    extraction = claim_extraction.merge_extractions(extract_many(ocrs, ctx.ocr_executor))
    confidence = sum(o.mean_confidence for o in ocrs) / len(ocrs)
    record_extraction(ctx, received, extraction, ocrs[0], confidence=confidence)
    return extraction


def process(ctx: Context, received: Received, *, keep_transient: bool = False) -> ClaimResult:
    """The stages in order, without Prefect (the API's in-process dispatcher, the watched folder alone: tests, a box
    without Prefect), resuming where the claim stopped; never raises for a bad document: the failure is recorded and
    is the result. The Prefect flow (flows/claim.py) adds retries.

    ``keep_transient`` (the watcher): an unreachable database or document store is raised, so the caller keeps the
    file and tries again (the claim resumes from its last completed stage), and a page over the OCR timeout leaves
    the claim ``failed_transient`` (``claimflow retry`` may pass) instead of failed."""
    stage = "ocr"
    try:
        if received.status in repo.ClaimStatus.SETTLED:
            return summarize(ctx, received, file=received.original_name)
        if received.status == repo.ClaimStatus.EXTRACTED:
            extraction = load_extraction(ctx, received)
        else:
            ocrs = read_documents(ctx, received)
            stage = "extract"
            extraction = extract_documents(ctx, received, ocrs)
        stage = "adjudicate"
        decide(ctx, received, extraction)
    except ClaimflowError as e:
        if keep_transient and isinstance(e, DatabaseError | StoreUnavailableError):
            raise
        log.warning("claim %s failed at %s: %s", received.claim_id, stage, e.kind)
        record_failure(ctx, received, stage, e,
                       transient=keep_transient and isinstance(e, OcrTimeoutError | WorkerCrashedError))
    return summarize(ctx, received, file=received.original_name)


def load_plans(ctx: Context) -> dict[str, Plan]:
    """The plans, read before a deciding transaction opens (not while it holds the locks); parsed once per change."""
    return plans(ctx.settings.plans_dir)


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
        # The webhook event is in the outbox if and only if this decision commits.
        webhooks.enqueue_decision(s, claim=claim, row=row)
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
            member_id=reveal_member_id(s, claim.tenant, claim.member_id),
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
