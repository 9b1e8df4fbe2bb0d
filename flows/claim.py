"""The claim flow: receive → OCR → extract → adjudicate, one Prefect flow run per document.

Tasks are thin wrappers over ``flows.stages`` (plain functions with their own tests). Only transient failures are
retried (a tesseract timeout, a locked or unreachable database); invalid input never is.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.logging import get_run_logger
from sqlalchemy.exc import OperationalError

import extractors
from extractors.extract import extract as extract_fields
from claimflow.errors import ClaimflowError, DatabaseError, OcrTimeoutError, StoreUnavailableError
from claimflow.model import Decision, Extraction, OcrResult
from claimflow.settings import Settings
from db.claims import ClaimStatus
from flows import stages
from flows.runtime import sessions_for

TRANSIENT = (OcrTimeoutError, DatabaseError, OperationalError, StoreUnavailableError)


def _retry_transient(_task, _task_run, state) -> bool:  # type: ignore[no-untyped-def]
    try:
        state.result()
    except TRANSIENT:
        return True
    except Exception:  # noqa: BLE001 - anything else is permanent: do not retry invalid input
        return False
    return False


@task(name="receive", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[1, 5],
      retry_condition_fn=_retry_transient)
def receive_task(ctx: stages.Context, path: Path) -> stages.Received:
    return stages.receive(ctx, path)


@task(name="ocr", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[2, 10],
      retry_condition_fn=_retry_transient)
def ocr_task(ctx: stages.Context, received: stages.Received) -> OcrResult:
    with stages.original_path(ctx, received.sha256) as original:
        ocr = extractors.read(original, ctx.settings, display_name=received.original_name)
    stages.record_ocr(ctx, received, ocr)
    return ocr


@task(name="extract", cache_policy=NO_CACHE)
def extract_task(ctx: stages.Context, received: stages.Received, ocr: OcrResult) -> Extraction:
    extraction = extract_fields(ocr)
    stages.record_extraction(ctx, received, extraction, ocr)
    return extraction


@task(name="adjudicate", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[1, 5],
      retry_condition_fn=_retry_transient)
def adjudicate_task(ctx: stages.Context, received: stages.Received, extraction: Extraction) -> Decision:
    return stages.decide(ctx, received, extraction)


@flow(name="process-claim", flow_run_name="claim-{source}", validate_parameters=False, log_prints=False)
def process_claim(
    path: str,
    settings: Settings,
    tenant: str,
    source: str,
    submitted_by: str,
    received_on: dt.date | None = None,
) -> stages.ClaimResult:
    """Take one document from file to decision. Never raises for a bad document: the failure is the result."""
    logger = get_run_logger()
    ctx = stages.Context(settings=settings, sessions=sessions_for(settings), tenant=tenant, source=source,
                         submitted_by=submitted_by,
                         **({"received_on": received_on} if received_on else {}))
    file = Path(path)
    try:
        received = receive_task(ctx, file)
    except ClaimflowError as e:  # the file could not even be kept (missing, unreadable): nothing to record
        return stages.ClaimResult(file=path, claim_id=None, status=ClaimStatus.FAILED, error_kind=e.kind, error=str(e))
    if received.status in ClaimStatus.FINAL:
        logger.info("claim %s already %s; not processed again", received.claim_id, received.status)
        return stages.summarize(ctx, received, file=path)
    stage = "ocr"
    try:
        if received.status == ClaimStatus.EXTRACTED:
            extraction = stages.load_extraction(ctx, received)
        else:
            ocr = ocr_task(ctx, received)
            stage = "extract"
            extraction = extract_task(ctx, received, ocr)
        stage = "adjudicate"
        adjudicate_task(ctx, received, extraction)
    except ClaimflowError as e:
        logger.warning("claim %s failed at %s: %s", received.claim_id, stage, e.kind)
        stages.record_failure(ctx, received, stage, e)
    return stages.summarize(ctx, received, file=path)
