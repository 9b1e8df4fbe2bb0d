"""/v1/claims: submit (multipart, idempotent), read one claim, list the tenant's claims, download an original."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from claimflow.errors import ClaimflowError, NotFoundError, RequestError
from claimflow.settings import Settings
from claimflow.model import Decision
from claimflow.model.claim_extraction import Source, line_sources, load_extraction
from db import claim_documents as claim_docs
from db import claims as claims_repo
from db.api_keys import Role
from db.engine import transaction
from db.member_index import reveal_member_id
from db.models import Claim, DecisionRow
from flows import stages
from flows.runtime import store_for

from api.access import account
from api.deps import (
    ALL_ROLES,
    DispatcherDep,
    Principal,
    ReadSessionsDep,
    ReadSessionDep,
    SessionsDep,
    SettingsDep,
    claim_or_404,
    require,
    stage_context,
)
from api.dispatch import ClaimRef
from api.problems import responses
from api.schemas import (
    ClaimAccepted,
    ClaimErrorPublic,
    ClaimPage,
    ClaimPublic,
    ClaimSummary,
    DecisionPublic,
    DocumentPublic,
    HistoryEntry,
)
from api.uploads import Submission, check_documents, read_submission

router = APIRouter(prefix="/v1/claims", tags=["claims"])

Submitter = Annotated[Principal, Depends(require(Role.submitter, Role.admin))]
Reader = Annotated[Principal, Depends(require(*ALL_ROLES))]
DocumentReader = Annotated[Principal, Depends(require(Role.reviewer, Role.auditor))]
ClaimId = Annotated[str, Path(min_length=1, max_length=64, description="The claim id (a UUID).",
                              examples=["0b8f0c1e-3a55-4c55-9d1e-4d5ce2cfb0a1"])]
_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")

SUBMIT_BODY = {
    "required": True,
    "content": {"multipart/form-data": {
        "schema": {
            "type": "object",
            "required": ["documents"],
            "properties": {
                "documents": {"type": "array", "minItems": 1, "items": {"type": "string", "format": "binary"},
                              "description": "One part per document (PDF, JPEG, PNG, TIFF or WebP), in order: the "
                                             "first identifies the claim."},
                "metadata": {"type": "string", "description": "Optional JSON object: member_id, reference.",
                             "example": '{"member_id": "M-100234", "reference": "INS-2026-000871"}'},
            },
        },
        "encoding": {"documents": {"contentType": "application/octet-stream"}},
    }},
}


def status_url(claim_id: str) -> str:
    return f"/v1/claims/{claim_id}"


@router.post(
    "",
    status_code=202,
    response_model=ClaimAccepted,
    summary="Submit a claim (one or more documents)",
    openapi_extra={"requestBody": SUBMIT_BODY},
    responses=responses(401, 403, 409, 413, 422, 429, 503),
)
async def submit_claim(
    request: Request,
    principal: Submitter,
    settings: SettingsDep,
    sessions: SessionsDep,
    dispatcher: DispatcherDep,
    idempotency_key: Annotated[str | None, Header(
        alias="Idempotency-Key", max_length=200,
        description="Any unique string (e.g. a UUID): the same key again answers with the same claim.")] = None,
) -> JSONResponse:
    """Documents are checked (type from the bytes, size, pages, pixels) and stored, the claim is opened and
    audited, then queued for processing: poll ``status_url``. The same documents again are the same claim."""
    if idempotency_key is not None and not _IDEMPOTENCY_KEY.match(idempotency_key):
        raise RequestError("the Idempotency-Key must be 1-200 printable ASCII characters without spaces")
    submission = await read_submission(request, settings)
    try:
        await run_in_threadpool(check_documents, submission, settings)
        accepted, replayed = await run_in_threadpool(
            _receive, principal, settings, sessions, submission, idempotency_key
        )
    finally:
        submission.cleanup()
    if accepted.status not in claims_repo.ClaimStatus.SETTLED:
        with sessions() as s:
            claim = claim_or_404(s, principal, accepted.claim_id)
            ref = ClaimRef(claim.tenant, claim.id, claim.document_sha256, claim.attempts or 0)
        try:
            await run_in_threadpool(dispatcher.dispatch, ref)
        except ClaimflowError as e:
            e.message = f"claim {ref.claim_id} was received but not queued: {e.message}"
            e.hint = "send the same request again (same Idempotency-Key) to queue it"
            raise
    headers = {"Location": accepted.status_url}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return JSONResponse(accepted.model_dump(mode="json"), status_code=202, headers=headers)


def _receive(principal: Principal, settings: Settings, sessions: sessionmaker[Session], submission: Submission,
             idempotency_key: str | None) -> tuple[ClaimAccepted, bool]:
    """Replay an Idempotency-Key's claim, or receive the documents (store, claim, audit) and remember the key."""
    digest = submission.request_sha256
    if idempotency_key is not None:
        with sessions() as s:
            seen = claim_docs.find_idempotent(session=s, tenant=principal.tenant, key=idempotency_key)
            if seen is not None:
                if seen.request_sha256 != digest:
                    raise RequestError(
                        "this Idempotency-Key was used for a different request",
                        hint="use a new Idempotency-Key for a new claim",
                    )
                claim = claim_or_404(s, principal, seen.claim_id)
                return ClaimAccepted(claim_id=claim.id, status=claim.status, status_url=status_url(claim.id),
                                     resubmission=True), True
    ctx = stage_context(principal, settings, sessions)
    received = stages.receive_documents(
        ctx, [(u.path, u.name) for u in submission.documents],
        reference=submission.metadata.reference, declared_member_id=submission.metadata.member_id,
    )
    if received.is_resubmission and received.status == claims_repo.ClaimStatus.FAILED_TRANSIENT:
        received = stages.reopen(ctx, received, actor=principal.actor)  # a new attempt, run again
    if idempotency_key is not None:
        with transaction(sessions) as s:
            if claim_docs.find_idempotent(session=s, tenant=principal.tenant, key=idempotency_key) is None:
                claim_docs.remember_idempotent(session=s, tenant=principal.tenant, key=idempotency_key,
                                               request_sha256=digest, claim_id=received.claim_id)
    return ClaimAccepted(claim_id=received.claim_id, status=received.status, status_url=status_url(received.claim_id),
                         resubmission=received.is_resubmission), False


@router.get("/{claim_id}", response_model=ClaimPublic, summary="A claim: status, extraction, decision, EOB, history",
            responses=responses(401, 403, 404, 422, 429))
async def get_claim(claim_id: ClaimId, principal: Reader, read_sessions: ReadSessionsDep,
                    sessions: SessionsDep) -> ClaimPublic:
    out = await run_in_threadpool(_read_claim, read_sessions, principal, claim_id)
    await run_in_threadpool(account, sessions, principal, claim_id, "GET /v1/claims/{claim_id}")
    return out


def _read_claim(read_sessions: sessionmaker[Session], principal: Principal, claim_id: str) -> ClaimPublic:
    with read_sessions() as session:
        return claim_public(session, claim_or_404(session, principal, claim_id))


def claim_public(session: Session, claim: Claim) -> ClaimPublic:
    docs = claim_docs.documents(session=session, claim=claim)
    ext_row = claims_repo.latest_extraction(session, claim_id=claim.id)
    extraction = load_extraction(ext_row.extraction) if ext_row else None
    decisions = list(session.scalars(
        select(DecisionRow).where(DecisionRow.claim_id == claim.id).order_by(DecisionRow.id)))
    latest = decisions[-1] if decisions else None
    decision = Decision.model_validate(latest.decision) if latest else None
    return ClaimPublic(
        claim_id=claim.id,
        status=claim.status,
        received_on=claim.received_on,
        created_at=claim.created_at,
        updated_at=claim.updated_at,
        reference=claim.reference,
        declared_member_id=reveal_member_id(session, claim.tenant, claim.declared_member_id),
        member_id=reveal_member_id(session, claim.tenant, claim.member_id),
        documents=[DocumentPublic(ordinal=i, sha256=d.sha256, media_type=d.media_type, kind=d.kind, pages=d.pages,
                                  size_bytes=d.size_bytes) for i, d in enumerate(docs, start=1)],
        extraction=extraction,
        line_sources=(sources := line_sources(extraction) if extraction else []),
        decision=_decision_public(decision, latest, sources) if decision and latest else None,
        eob=decision.explain() if decision else None,
        history=[HistoryEntry(outcome=d.outcome, payable=d.payable, decided_by=d.decided_by, decided_at=d.created_at,
                              digest=d.digest) for d in decisions],
        error=ClaimErrorPublic(kind=claim.error_kind, message=claim.error_message or "")
        if claim.error_kind else None,
    )


def _decision_public(d: Decision, row: DecisionRow, sources: list[Source]) -> DecisionPublic:
    return DecisionPublic(
        outcome=d.outcome.value, billed=d.billed, allowed=d.allowed, payable=d.payable,
        member_responsibility=d.member_responsibility, proposed_payable=d.proposed_payable, currency=d.currency,
        review_queue=d.review_queue, plan_id=d.plan_id, plan_version=d.plan_version,
        reasons=[{"group": r.group, "code": r.code, "label": r.label, "message": r.message, "amount": r.amount,
                  "line": r.line} for r in d.reasons],
        lines=[{"index": ln.index, "code": ln.code, "status": ln.status.value, "billed": ln.billed,
                "allowed": ln.allowed, "member_responsibility": ln.member_responsibility, "payable": ln.payable,
                "source": sources[ln.index] if 0 <= ln.index < len(sources) else None}
               for ln in d.lines],
        decided_by=row.decided_by, decided_at=row.created_at, digest=row.digest,
    )


@router.get("", response_model=ClaimPage, summary="The tenant's claims, newest first (cursor-paginated)",
            responses=responses(401, 403, 422, 429))
def list_claims(
    principal: Reader,
    session: ReadSessionDep,
    status: Annotated[str | None, Query(max_length=30, examples=["pending_review"])] = None,
    queue: Annotated[str | None, Query(max_length=100, description="Review queue of the latest decision.")] = None,
    received_from: Annotated[dt.date | None, Query(description="Received on or after (ISO date).")] = None,
    received_to: Annotated[dt.date | None, Query(description="Received on or before (ISO date).")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200, description="next_cursor of the previous page.")] = None,
) -> ClaimPage:
    after = _decode_cursor(cursor) if cursor else None
    rows = claim_docs.list_claims(session=session, tenant=principal.tenant, status=status, queue=queue,
                                  received_from=received_from, received_to=received_to, after=after, limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    latest = _latest_decisions(session, [c.id for c in rows])
    items = []
    for c in rows:
        d = latest.get(c.id)
        items.append(ClaimSummary(
            claim_id=c.id, status=c.status, received_on=c.received_on, created_at=c.created_at, reference=c.reference,
            member_id=reveal_member_id(session, c.tenant, c.member_id), outcome=d.outcome if d else None, payable=d.payable if d else None,
            review_queue=d.decision.get("review_queue") if d else None,
        ))
    next_cursor = _encode_cursor(rows[-1]) if more and rows else None
    return ClaimPage(items=items, next_cursor=next_cursor)


def _latest_decisions(session: Session, claim_ids: list[str]) -> dict[str, DecisionRow]:
    if not claim_ids:
        return {}
    out: dict[str, DecisionRow] = {}
    for row in session.scalars(select(DecisionRow).where(DecisionRow.claim_id.in_(claim_ids))
                               .order_by(DecisionRow.id)):
        out[row.claim_id] = row
    return out


def _encode_cursor(claim: Claim) -> str:
    created = claim.created_at if claim.created_at.tzinfo else claim.created_at.replace(tzinfo=dt.UTC)
    raw = json.dumps([created.isoformat(), claim.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[dt.datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created, claim_id = json.loads(raw)
        when = dt.datetime.fromisoformat(created)
        if not isinstance(claim_id, str):
            raise ValueError("claim id")
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as e:
        raise RequestError("the cursor is not one this API returned", hint="pass next_cursor unchanged") from e
    return when, claim_id


@router.get(
    "/{claim_id}/documents/{ordinal}",
    summary="Download an original document (reviewer, auditor)",
    response_class=Response,
    responses={200: {"description": "The original bytes, as submitted.",
                     "content": {"application/pdf": {}, "image/png": {}, "image/jpeg": {}, "image/tiff": {},
                                 "image/webp": {}, "application/octet-stream": {}}},
               **responses(401, 403, 404, 422, 429)},
)
def get_document(
    claim_id: ClaimId,
    ordinal: Annotated[int, Path(ge=1, le=1000, description="1 for the first document.")],
    principal: DocumentReader,
    session: ReadSessionDep,
    settings: SettingsDep,
    sessions: SessionsDep,
) -> Response:
    claim = claim_or_404(session, principal, claim_id)
    docs = claim_docs.documents(session=session, claim=claim)
    if ordinal > len(docs):
        raise NotFoundError(f"claim {claim_id} has {len(docs)} document(s), not {ordinal}")
    doc = docs[ordinal - 1]
    data = store_for(settings).read_bytes(doc.sha256)  # verified against its digest
    account(sessions, principal, claim.id, "GET /v1/claims/{claim_id}/documents/{ordinal}")
    media = doc.media_type if doc.media_type != "application/octet-stream" else _sniffed(data)
    return Response(data, media_type=media, headers={
        "Cache-Control": "no-store",
        "Content-Disposition": f'attachment; filename="claim-{claim.id[:8]}-{ordinal}{_EXT.get(media, "")}"',
    })


_EXT = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg", "image/tiff": ".tif",
        "image/webp": ".webp"}


def _sniffed(data: bytes) -> str:
    from extractors.ocr.detect import sniff

    kind = sniff(data[:2048])
    return kind[0] if kind else "application/octet-stream"

