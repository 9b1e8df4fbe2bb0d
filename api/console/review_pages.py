"""The reviewer's pages: the queue and the claim page (page images, evidence, decision, review actions, audit
entries). Every action is one call into flows/review.py (docs/review.md)."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from claimflow.errors import ClaimflowError, ErasedError, NotFoundError, ReviewInputError
from claimflow.model.review import Adjust, Approve, Deny
from db import claim_documents as claim_docs
from db.privacy import document_erased
from flows import review, stages

from api.access import account
from api.console import claim_view
from api.console.pages import forget, render_page
from api.console.web import READERS, REVIEWERS, check_csrf, context, need, now, pages, render, router
from api.deps import Principal, claim_or_404

ACTIONS = ("take", "release", "approve", "deny", "adjust", "correct", "confirm", "reopen")


# --- queue ---------------------------------------------------------------------------------------------------------


@router.get("/queue", response_class=HTMLResponse)
@pages
def queue_page(request: Request, queue: str = "", lease: str = "", sort: str = "oldest") -> Response:
    principal = need(request, REVIEWERS)
    settings = request.app.state.settings
    items = review.list_queue(context(request, principal), limit=review.MAX_QUEUE)
    at = now()
    counts: dict[str, int] = {}
    for item in items:
        counts[item.queue or "none"] = counts.get(item.queue or "none", 0) + 1
    sla = dt.timedelta(hours=settings.console_review_sla_hours)
    rows = []
    for item in items:
        mine = item.lease is not None and item.lease.reviewer == principal.actor
        if queue and (item.queue or "none") != queue:
            continue
        if lease == "free" and item.lease is not None or lease == "mine" and not mine:
            continue
        age = at - item.waiting_since
        rows.append({"item": item, "age": age, "overdue": age > sla, "mine": mine, "share": age / sla})
    if sort == "billed":
        rows.sort(key=lambda r: r["item"].billed, reverse=True)
    else:  # most urgent: the furthest past the SLA first, i.e. the longest waiting
        rows.sort(key=lambda r: r["age"], reverse=True)
    return render(request, "queue.html", principal, rows=rows, counts=counts, total=len(items), queue=queue,
                  lease=lease, sort=sort, sla_hours=settings.console_review_sla_hours,
                  overdue=sum(1 for r in rows if r["overdue"]))


@router.get("/next")
@pages
def next_claim(request: Request, after: str = "") -> Response:
    """The next claim in the queue (oldest first) after ``after`` that nobody else holds."""
    principal = need(request, REVIEWERS)
    items = [i for i in review.list_queue(context(request, principal), limit=review.MAX_QUEUE)
             if i.lease is None or i.lease.reviewer == principal.actor]
    ids = [i.claim_id for i in items]
    if not ids:
        return RedirectResponse("/console/queue", status_code=303)
    nxt = ids[(ids.index(after) + 1) % len(ids)] if after in ids else ids[0]
    return RedirectResponse(f"/console/claims/{nxt}", status_code=303)


# --- claim ---------------------------------------------------------------------------------------------------------


@router.get("/claims/{claim_id}", response_class=HTMLResponse)
@pages
def claim_page(request: Request, claim_id: str, done: str = "") -> Response:
    principal = need(request, READERS)
    return _claim_response(request, principal, claim_id, done=done)


def _claim_response(request: Request, principal: Principal, claim_id: str, *, done: str = "",
                    error: ClaimflowError | None = None) -> HTMLResponse:
    ctx = context(request, principal)
    shown = review.show(ctx, claim_id)
    views = claim_view.fields(shown.extraction)
    with request.app.state.sessions() as s:
        claim = claim_or_404(s, principal, claim_id)
        page_views = claim_view.pages(s, ctx, claim, shown.extraction, views)
        entries = claim_view.audit_rows(s, principal.tenant, claim_id)
    # the page shows the claim's personal data (page images are part of it: not accounted one by one)
    account(request.app.state.sessions, principal, claim_id, "console /console/claims/{claim_id}")
    status = error.http_status if error else 200
    return render(request, "claim.html", principal, status=status, c=shown, fields=views, pages=page_views,
                  entries=entries, done=done, error=error, can_act=principal.role in REVIEWERS,
                  four_eyes_above=request.app.state.settings.four_eyes_above)


@router.get("/claims/{claim_id}/documents/{n}/pages/{page}.png")
@pages
def page_image(request: Request, claim_id: str, n: int, page: int) -> Response:
    principal = need(request, READERS)
    ctx = context(request, principal)
    with request.app.state.read_sessions() as s:
        claim = claim_or_404(s, principal, claim_id)
        docs = claim_docs.documents(session=s, claim=claim)
        if not 1 <= n <= len(docs):
            raise NotFoundError(f"claim {claim_id} has no document {n}")
        sha = docs[n - 1].sha256
        if document_erased(s, sha256=sha):  # erased in any process: what this one cached goes too
            forget([sha])
            raise ErasedError(f"document {n} of claim {claim_id} was erased on request")
    rendered = render_page(sha, page, ocr_dpi=ctx.settings.ocr_dpi,
                           original=functools.partial(stages.original_path, ctx, sha))
    return Response(rendered.png, media_type="image/png", headers={"Cache-Control": "no-store"})


@router.post("/claims/{claim_id}/{action}", response_class=HTMLResponse)
@pages
def claim_action(
    request: Request, claim_id: str, action: str,
    csrf: Annotated[str | None, Form()] = None,
    note: Annotated[str, Form(max_length=2000)] = "",
    carc: Annotated[str, Form(max_length=10)] = "",
    line: Annotated[str, Form(max_length=5)] = "",
    allowed: Annotated[str, Form(max_length=20)] = "",
    code: Annotated[str, Form(max_length=40)] = "",
    field: Annotated[str, Form(max_length=100)] = "",
    value: Annotated[str, Form(max_length=500)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    principal = need(request, REVIEWERS)
    check_csrf(request, csrf)
    if action not in ACTIONS:
        raise NotFoundError(f"no console action {action!r}")
    ctx, me = context(request, principal), principal.actor
    try:
        if action == "take":
            review.take_lease(ctx, claim_id, reviewer=me)
        elif action == "release":
            review.release_lease(ctx, claim_id, reviewer=me)
        elif action == "confirm":
            review.confirm(ctx, claim_id, reviewer=me)
        elif action == "correct":
            review.correct(ctx, claim_id, reviewer=me, field=field, value=value)
        elif action == "reopen":
            review.reopen(ctx, claim_id, reviewer=me, reason=reason)
        else:
            review.decide(ctx, claim_id, reviewer=me, action=_decision(action, note, carc, line, allowed, code))
    except ClaimflowError as e:
        if isinstance(e, NotFoundError):
            raise
        return _claim_response(request, principal, claim_id, error=e)
    return RedirectResponse(f"/console/claims/{claim_id}?done={action}", status_code=303)


def _decision(action: str, note: str, carc: str, line: str, allowed: str, code: str) -> Approve | Deny | Adjust:
    text = note.strip() or None
    try:
        if action == "approve":
            return Approve(note=text)
        if action == "deny":
            return Deny(carc=carc.strip(), note=text)
        adjustment: dict[str, Any] = {"line": int(line)}
        if allowed.strip():
            adjustment["allowed"] = allowed.strip()
        if code.strip():
            adjustment["code"] = code.strip()
        return Adjust(lines=[adjustment], note=text)  # type: ignore[list-item]
    except (ValidationError, ValueError) as e:
        raise ReviewInputError(f"the {action} form is incomplete or invalid",
                               hint="a denial needs a CARC code; an adjustment a line number and an allowed amount "
                               "(e.g. 120.00) or a code") from e
