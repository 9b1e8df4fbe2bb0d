"""The claim flows: OCR → extract → adjudicate for claims already received (``stages.receive`` ran in the process
that took the document in: the CLI, the watched folder, the API).

- ``claim_flow(tenant, claim_id, document_sha256, attempt)``: one claim. This is the served/deployed flow that
  ``flows.dispatch.trigger`` starts with ``run_deployment``, and what ``dispatch.run_local`` runs in-process.
- ``batch_flow(tenant, claims)``: many claims in one flow run — a task per claim on a thread pool, the CPU work of
  their stages (OCR pages, extraction) on one shared pool of worker processes (``runtime.worker_pool``); the threads
  only write to the database and the audit log. ``claimflow process`` uses it: a flow run costs about a second of
  orchestration, a task run a few milliseconds.

Parameters are ids only (never a path, a file name, a setting or document text); each run resolves its settings
from its own process (``flows.runtime.current_settings``) and the original from the document store by digest. Run
names carry the short claim id and the stage (``claim-1a2b3c4d``, ``ocr-1a2b3c4d``).

Tasks are thin wrappers over ``flows.stages`` (plain functions with their own tests). Only transient failures are
retried (a tesseract timeout, a locked or unreachable database); invalid input never is. A claim whose stage still
fails transiently after its retries is ``failed_transient``: ``claimflow retry`` runs it again.
"""

from __future__ import annotations

import contextvars
import logging
from concurrent.futures import Future, ThreadPoolExecutor

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.logging import get_run_logger
from prefect.utilities.annotations import quote
from sqlalchemy.exc import OperationalError

from claimflow.errors import (
    ClaimflowError,
    DatabaseError,
    OcrTimeoutError,
    StoreUnavailableError,
    WorkerCrashedError,
)
from claimflow.model import Decision, Extraction, OcrResult
from db.claims import ClaimStatus
from flows import runtime, stages
from flows.metrics import stage_timer

TRANSIENT = (OcrTimeoutError, WorkerCrashedError, DatabaseError, OperationalError, StoreUnavailableError)

log = logging.getLogger(__name__)


def short_id(claim_id: str) -> str:
    """The first 8 characters of a claim id: what run names carry."""
    return claim_id[:8]


def _retry_transient(_task, _task_run, state) -> bool:  # type: ignore[no-untyped-def]
    try:
        state.result()
    except TRANSIENT:
        return True
    except Exception:  # noqa: BLE001 - anything else is permanent: do not retry invalid input
        return False
    return False


@task(name="ocr", task_run_name="ocr-{received.claim_id:.8}", cache_policy=NO_CACHE, retries=2,
      retry_delay_seconds=[2, 10], retry_condition_fn=_retry_transient)
def ocr_task(ctx: stages.Context, received: stages.Received) -> list[OcrResult]:
    with stage_timer("ocr"):
        return stages.read_documents(ctx, received)  # every document of the claim, in order, each recorded


@task(name="extract", task_run_name="extract-{received.claim_id:.8}", cache_policy=NO_CACHE, retries=2,
      retry_delay_seconds=[1, 5], retry_condition_fn=_retry_transient)
def extract_task(ctx: stages.Context, received: stages.Received, ocrs: list[OcrResult]) -> Extraction:
    with stage_timer("extract"):
        return stages.extract_documents(ctx, received, ocrs)  # merged over the documents (claim_extraction)


@task(name="adjudicate", task_run_name="adjudicate-{received.claim_id:.8}", cache_policy=NO_CACHE, retries=2,
      retry_delay_seconds=[1, 5], retry_condition_fn=_retry_transient)
def adjudicate_task(ctx: stages.Context, received: stages.Received, extraction: Extraction) -> Decision:
    with stage_timer("adjudicate"):
        return stages.decide(ctx, received, extraction)


def _process(ctx: stages.Context, received: stages.Received, attempt: int) -> str:
    """The stages a claim still needs, from its last completed one. Returns the claim's status afterwards."""
    logger = get_run_logger()
    cid = short_id(received.claim_id)
    if received.status in ClaimStatus.SETTLED:
        logger.info("claim %s is %s; nothing to do", cid, received.status)
        return received.status
    if attempt < received.attempts:
        logger.info("claim %s: attempt %d superseded by attempt %d", cid, attempt, received.attempts)
        return received.status
    stage = "ocr"
    # quote(): Prefect passes these as they are instead of walking them for futures (every word of every page, every
    # field of the settings: a tenth of the batch process's CPU). They hold no futures.
    context = quote(ctx)
    try:
        if received.status == ClaimStatus.EXTRACTED:
            extraction = stages.load_extraction(ctx, received)
        else:
            ocrs = ocr_task(context, received)
            stage = "extract"
            extraction = extract_task(context, received, quote(ocrs))
        stage = "adjudicate"
        return adjudicate_task(context, received, quote(extraction)).outcome.value.lower()
    except TRANSIENT as e:
        error = e if isinstance(e, ClaimflowError) else DatabaseError(f"database unavailable ({type(e).__name__})")
        logger.warning("claim %s failed transiently at %s after retries: %s", cid, stage, error.kind)
        stages.record_failure(ctx, received, stage, error, transient=True)
        return ClaimStatus.FAILED_TRANSIENT
    except ClaimflowError as e:
        logger.warning("claim %s failed at %s: %s", cid, stage, e.kind)
        stages.record_failure(ctx, received, stage, e)
        return ClaimStatus.FAILED


def _claim_run_name() -> str:
    from prefect.runtime import flow_run

    return f"claim-{short_id(str(flow_run.parameters['claim_id']))}"


@flow(name="claim", flow_run_name=_claim_run_name, validate_parameters=False, log_prints=False)
def claim_flow(tenant: str, claim_id: str, document_sha256: str, attempt: int = 0) -> str:
    """Take one received claim to a decision (or a recorded failure). Returns the claim's status."""
    settings = runtime.current_settings()
    ctx = stages.Context.for_worker(settings, runtime.sessions_for(settings), tenant)
    return _process(ctx, stages.load(ctx, claim_id, document_sha256), attempt)


def _run_claim(ctx: stages.Context, received: stages.Received, attempt: int) -> str:
    status = _process(ctx, received, attempt)
    runtime.notify(received.claim_id, status)
    return status


def _batch_run_name() -> str:
    from prefect.runtime import flow_run

    claims = flow_run.parameters["claims"]
    first = short_id(str(claims[0]["claim_id"])) if claims else "empty"
    return f"batch-{first}-{len(claims)}"


@flow(name="claim-batch", flow_run_name=_batch_run_name, validate_parameters=False, log_prints=False)
def batch_flow(tenant: str, claims: list[dict[str, object]]) -> dict[str, str]:
    """Many received claims of one tenant, ``settings.workers`` worker processes shared by all of them (this
    process's ``runtime.worker_pool``: kept for its next batch, models loaded once in each).

    ``claims``: ``{"claim_id", "document_sha256", "attempt"}`` each. Returns claim id → status.
    """
    settings = runtime.current_settings()
    pool = runtime.worker_pool(settings.workers)
    ctx = stages.Context.for_worker(settings, runtime.sessions_for(settings), tenant, ocr_executor=pool)
    received = [stages.load(ctx, str(c["claim_id"]), str(c["document_sha256"])) for c in claims]
    statuses: dict[str, str] = {}
    for r in received:
        if r.status in ClaimStatus.SETTLED:  # nothing to do: no task run
            statuses[r.claim_id] = r.status
            runtime.notify(r.claim_id, r.status)
    # A thread per claim in flight, each in a copy of the flow run's context: its stages are task runs of this flow
    # run (no task run per claim around them: three more events a claim for Prefect's server, nothing more told).
    with ThreadPoolExecutor(max_workers=2 * settings.workers, thread_name_prefix="claim") as threads:
        futures = [
            (r, threads.submit(contextvars.copy_context().run, _run_claim, ctx, r, int(str(c.get("attempt") or 0))))
            for r, c in zip(received, claims, strict=True) if r.claim_id not in statuses
        ]
        return _collect(futures, statuses)


def _collect(futures: list[tuple[stages.Received, Future[str]]], statuses: dict[str, str]) -> dict[str, str]:
    for r, f in futures:
        try:
            statuses[r.claim_id] = f.result()
        except Exception as e:  # noqa: BLE001 - one claim's crash (e.g. its failure could not be recorded)
            # must not lose the others' results; the claim stays open in the database, and a retry resumes it
            get_run_logger().error("claim %s crashed: %s", short_id(r.claim_id), type(e).__name__)
            statuses[r.claim_id] = "error"
            runtime.notify(r.claim_id, "error")
    return statuses


def batch_runner(workers: int):  # type: ignore[no-untyped-def]
    """``batch_flow`` as ``claimflow process`` runs it. It runs a thread per claim in flight itself: twice the worker
    processes (``settings.workers``), so the pool stays fed while some threads write to the database."""
    return batch_flow
