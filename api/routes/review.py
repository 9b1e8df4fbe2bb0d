"""Review over HTTP (reviewer): the queue, a claim as a reviewer sees it, leases, decide, correct, confirm, reopen.

Thin: every route calls ``flows.review`` with a ``stages.Context`` scoped to the caller's tenant and the caller's key
as the reviewer id (``key:<key id>``); the domain enforces leases, four-eyes and statuses, and audits each step.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Path, Query, Response
from fastapi.concurrency import run_in_threadpool

from claimflow.model.review import ClaimReview, Lease, QueueItem, ReviewAction, ReviewOutcome
from db.api_keys import Role
from flows import review

from api.access import account
from api.deps import Principal, SessionsDep, SettingsDep, require, stage_context
from api.problems import responses
from api.schemas import CorrectionIn, ReopenIn, ReviewOutcomePublic

router = APIRouter(tags=["review"])
Reviewer = Annotated[Principal, Depends(require(Role.reviewer))]
ReviewReader = Annotated[Principal, Depends(require(Role.reviewer, Role.auditor))]
ClaimId = Annotated[str, Path(min_length=1, max_length=64, description="The claim id (a UUID).")]
ERRORS = responses(401, 403, 404, 409, 422, 429)

ACTION_EXAMPLES = {
    "approve": {"summary": "Approve the machine's proposal", "value": {"kind": "approve", "note": "bill checked"}},
    "deny": {"summary": "Deny with a CARC reason", "value": {"kind": "deny", "carc": "CO-96"}},
    "adjust": {"summary": "Adjust a line's allowed amount or code",
               "value": {"kind": "adjust", "lines": [{"line": 0, "allowed": "80.00"}]}},
}


def _public(o: ReviewOutcome) -> ReviewOutcomePublic:
    return ReviewOutcomePublic(
        claim_id=o.claim_id, action=o.action, reviewer=o.reviewer, status=o.status, final=o.final,
        outcome=o.decision.outcome.value, payable=o.decision.payable, decision_digest=o.decision_digest,
        previous_decision_digest=o.previous_decision_digest, extraction_digest=o.extraction_digest,
        status_url=f"/v1/claims/{o.claim_id}",
    )


@router.get("/v1/review/queue", response_model=list[QueueItem], summary="Claims waiting for a person",
            responses=responses(401, 403, 422, 429))
async def queue(
    principal: ReviewReader, settings: SettingsDep, sessions: SessionsDep,
    queue: Annotated[str | None, Query(max_length=100, description="A review queue, or four_eyes.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[QueueItem]:
    ctx = stage_context(principal, settings, sessions)
    return await run_in_threadpool(review.list_queue, ctx, queue=queue, limit=limit)


@router.get("/v1/claims/{claim_id}/review", response_model=ClaimReview,
            summary="A claim as a reviewer sees it: extraction, decisions, history, lease", responses=ERRORS)
async def show(claim_id: ClaimId, principal: ReviewReader, settings: SettingsDep, sessions: SessionsDep) -> ClaimReview:
    out = await run_in_threadpool(review.show, stage_context(principal, settings, sessions), claim_id)
    await run_in_threadpool(account, sessions, principal, claim_id, "GET /v1/claims/{claim_id}/review")
    return out


@router.post("/v1/claims/{claim_id}/lease", response_model=Lease, summary="Take (or renew) the claim's lease",
             responses=ERRORS)
async def take_lease(claim_id: ClaimId, principal: Reviewer, settings: SettingsDep, sessions: SessionsDep) -> Lease:
    ctx = stage_context(principal, settings, sessions)
    return await run_in_threadpool(lambda: review.take_lease(ctx, claim_id, reviewer=principal.actor))


@router.delete("/v1/claims/{claim_id}/lease", status_code=204, response_class=Response,
               summary="Give the lease back", responses=ERRORS)
async def release_lease(claim_id: ClaimId, principal: Reviewer, settings: SettingsDep, sessions: SessionsDep
                        ) -> Response:
    ctx = stage_context(principal, settings, sessions)
    await run_in_threadpool(lambda: review.release_lease(ctx, claim_id, reviewer=principal.actor))
    return Response(status_code=204)


@router.post("/v1/claims/{claim_id}/review", response_model=ReviewOutcomePublic,
             summary="Decide a pended claim: approve, deny (CARC) or adjust lines", responses=ERRORS)
async def decide(
    claim_id: ClaimId, principal: Reviewer, settings: SettingsDep, sessions: SessionsDep,
    action: Annotated[ReviewAction, Body(openapi_examples=ACTION_EXAMPLES)],
) -> ReviewOutcomePublic:
    ctx = stage_context(principal, settings, sessions)
    return _public(await run_in_threadpool(
        lambda: review.decide(ctx, claim_id, reviewer=principal.actor, action=action)))


@router.post("/v1/claims/{claim_id}/corrections", response_model=ReviewOutcomePublic,
             summary="Correct an extracted field and adjudicate the claim again", responses=ERRORS)
async def correct(claim_id: ClaimId, body: CorrectionIn, principal: Reviewer, settings: SettingsDep,
                  sessions: SessionsDep) -> ReviewOutcomePublic:
    ctx = stage_context(principal, settings, sessions)
    return _public(await run_in_threadpool(
        lambda: review.correct(ctx, claim_id, reviewer=principal.actor, field=body.field, value=body.value)))


@router.post("/v1/claims/{claim_id}/confirm", response_model=ReviewOutcomePublic,
             summary="Confirm another reviewer's proposal (four-eyes)", responses=ERRORS)
async def confirm(claim_id: ClaimId, principal: Reviewer, settings: SettingsDep, sessions: SessionsDep
                  ) -> ReviewOutcomePublic:
    ctx = stage_context(principal, settings, sessions)
    return _public(await run_in_threadpool(lambda: review.confirm(ctx, claim_id, reviewer=principal.actor)))


@router.post("/v1/claims/{claim_id}/reopen", response_model=ReviewOutcomePublic,
             summary="Reopen a decided claim (back to pending review)", responses=ERRORS)
async def reopen(claim_id: ClaimId, body: ReopenIn, principal: Reviewer, settings: SettingsDep,
                 sessions: SessionsDep) -> ReviewOutcomePublic:
    ctx = stage_context(principal, settings, sessions)
    return _public(await run_in_threadpool(
        lambda: review.reopen(ctx, claim_id, reviewer=principal.actor, reason=body.reason)))
