"""The console's pages (server-rendered, Jinja2) under /console, on the API's keys, roles and tenant scoping.

Every decision is a call into flows/review.py with the signed-in key as the reviewer (``key:<key_id>``, as over
the API); the audit page reuses the API's verification job (api/routes/audit.py). Errors render as HTML pages with
the error's status (another tenant's claim is a 404 page, like a missing one).
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, BackgroundTasks, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError
from sqlalchemy import func, select

from claimflow.errors import (
    AuthenticationError,
    ClaimflowError,
    NotFoundError,
    PermissionDeniedError,
    ReviewInputError,
)
from claimflow.model.review import Adjust, Approve, Deny
from db import api_keys
from db import dashboard as dashboard_repo
from db import verifications as jobs
from db.api_keys import Role
from db.audit import checkpoint as checkpoints
from db.audit.export import export_bundle
from db.audit.models import AuditEntryRow
from db.audit.writer import read_head
from db.engine import transaction
from flows import review
from rules.explain import CARC
from flows import stages

from api.console import charts, claim_view
from api.console.pages import render_page
from api.console.security import PRELOGIN_COOKIE, SESSION_COOKIE, Signer
from api.deps import Principal, claim_or_404, stage_context
from api.routes.audit import run_verification

router = APIRouter(prefix="/console", include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.globals["CARC"] = CARC  # code -> description, for the reason codes shown and the denial form

REVIEWERS = (Role.reviewer,)
READERS = (Role.reviewer, Role.auditor)
EVERYONE = (Role.reviewer, Role.auditor, Role.admin)
LANDING = {Role.reviewer: "/console/queue", Role.auditor: "/console/audit", Role.admin: "/console/dashboard"}
ACTIONS = ("take", "release", "approve", "deny", "adjust", "correct", "confirm", "reopen")


class LoginRequired(Exception):
    def __init__(self, next_url: str) -> None:
        self.next_url = next_url


class PageError(Exception):
    """A ClaimflowError met while serving a page: shown as an HTML page with its status."""

    def __init__(self, error: ClaimflowError) -> None:
        self.error = error


F = TypeVar("F", bound=Callable[..., Any])


def pages(fn: F) -> F:
    """Route decorator: a ClaimflowError becomes an HTML error page (PageError) instead of problem+json."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ClaimflowError as e:
            raise PageError(e) from e

    return wrapper  # type: ignore[return-value]


# --- sessions ------------------------------------------------------------------------------------------------------


def _signer(request: Request) -> Signer:
    return request.app.state.console_signer


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def signed_in(request: Request) -> Principal | None:
    """The principal of the request's session cookie, if it is valid and its key still live."""
    claims = _signer(request).check(request.cookies.get(SESSION_COOKIE), _now())
    if claims is None:
        return None
    with request.app.state.read_sessions() as s:
        row = s.get(api_keys.ApiKeyRow, claims.key_id)
        if row is None or row.revoked_at is not None:
            return None
        return Principal(key_id=row.key_id, tenant=row.tenant, role=Role(row.role))


def need(request: Request, roles: tuple[Role, ...]) -> Principal:
    principal = signed_in(request)
    if principal is None:
        raise LoginRequired(str(request.url.path))
    if principal.role not in roles:
        raise PageError(PermissionDeniedError(
            f"the {principal.role.value} role may not open this page",
            hint=f"sign in with a key of the role {' or '.join(r.value for r in roles)}"))
    return principal


def check_csrf(request: Request, token: str | None) -> None:
    if not _signer(request).csrf_ok(request.cookies.get(SESSION_COOKIE), token):
        raise PageError(PermissionDeniedError("the form's CSRF token is missing or wrong",
                                              hint="reload the page and submit the form again"))


def render(request: Request, template: str, principal: Principal | None, status: int = 200,
           **context: Any) -> HTMLResponse:
    cookie = request.cookies.get(SESSION_COOKIE)
    csrf = _signer(request).csrf(cookie) if cookie and principal else context.pop("csrf", "")
    return templates.TemplateResponse(request, template, {"me": principal, "csrf": csrf, "Role": Role, **context},
                                      status_code=status)


def _ctx(request: Request, principal: Principal) -> stages.Context:
    return stage_context(principal, request.app.state.settings, request.app.state.sessions)


# --- login ---------------------------------------------------------------------------------------------------------


@router.get("", response_class=HTMLResponse)
@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> Response:
    principal = signed_in(request)
    if principal is None:
        return RedirectResponse("/console/login", status_code=303)
    return RedirectResponse(LANDING.get(principal.role, "/console/dashboard"), status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "") -> Response:  # noqa: A002 - the query parameter's name
    import secrets

    pre = request.cookies.get(PRELOGIN_COOKIE) or secrets.token_urlsafe(24)
    response = render(request, "login.html", None, csrf=_signer(request).csrf("pre:" + pre), next=_safe_next(next))
    response.set_cookie(PRELOGIN_COOKIE, pre, httponly=True, samesite="strict", path="/console",
                        secure=request.url.scheme == "https")
    return response


def _safe_next(next_url: str) -> str:
    return next_url if next_url.startswith("/console/") and "//" not in next_url else ""


@router.post("/login", response_class=HTMLResponse)
@pages
def login(request: Request, key: Annotated[str, Form(max_length=300)],
          csrf: Annotated[str | None, Form()] = None, next: Annotated[str, Form()] = "") -> Response:  # noqa: A002
    pre = request.cookies.get(PRELOGIN_COOKIE)
    if not _signer(request).csrf_ok("pre:" + pre if pre else None, csrf):
        raise PageError(PermissionDeniedError("the form's CSRF token is missing or wrong",
                                              hint="reload the sign-in page and try again"))
    request.app.state.rate_limiter.take(f"console-login:{request.client.host if request.client else '-'}")
    with request.app.state.read_sessions() as s:
        row = api_keys.authenticate(session=s, key=key.strip())
        role = Role(row.role) if row else None
        key_id = row.key_id if row else None
    if row is None or key_id is None or role not in LANDING:
        error = AuthenticationError("the key is unknown, revoked, or of a role without console pages",
                                    hint="paste a reviewer, auditor or admin key from `claimflow keys create`")
        return render(request, "login.html", None, status=401, error=error,
                      csrf=_signer(request).csrf("pre:" + (pre or "")), next=_safe_next(next))
    response = RedirectResponse(_safe_next(next) or LANDING[role], status_code=303)
    response.set_cookie(SESSION_COOKIE, _signer(request).issue(key_id, _now()), httponly=True, samesite="strict",
                        secure=request.url.scheme == "https", path="/console",
                        max_age=int(_signer(request).lifetime.total_seconds()))
    response.delete_cookie(PRELOGIN_COOKIE, path="/console")
    return response


@router.post("/logout")
@pages
def logout(request: Request, csrf: Annotated[str | None, Form()] = None) -> Response:
    need(request, EVERYONE)
    check_csrf(request, csrf)
    response = RedirectResponse("/console/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/console")
    return response


# --- queue ---------------------------------------------------------------------------------------------------------


@router.get("/queue", response_class=HTMLResponse)
@pages
def queue_page(request: Request, queue: str = "", lease: str = "", sort: str = "oldest") -> Response:
    principal = need(request, REVIEWERS)
    settings = request.app.state.settings
    items = review.list_queue(_ctx(request, principal), limit=review.MAX_QUEUE)
    now = _now()
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
        age = now - item.waiting_since
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
    items = [i for i in review.list_queue(_ctx(request, principal), limit=review.MAX_QUEUE)
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
    ctx = _ctx(request, principal)
    shown = review.show(ctx, claim_id)
    views = claim_view.fields(shown.extraction)
    with request.app.state.sessions() as s:
        claim = claim_or_404(s, principal, claim_id)
        page_views = claim_view.pages(s, ctx, claim, shown.extraction, views)
        entries = claim_view.audit_rows(s, principal.tenant, claim_id)
    status = error.http_status if error else 200
    return render(request, "claim.html", principal, status=status, c=shown, fields=views, pages=page_views,
                  entries=entries, done=done, error=error, can_act=principal.role in REVIEWERS,
                  four_eyes_above=request.app.state.settings.four_eyes_above)


@router.get("/claims/{claim_id}/documents/{n}/pages/{page}.png")
@pages
def page_image(request: Request, claim_id: str, n: int, page: int) -> Response:
    principal = need(request, READERS)
    ctx = _ctx(request, principal)
    with request.app.state.read_sessions() as s:
        from db import claim_documents as claim_docs

        claim = claim_or_404(s, principal, claim_id)
        docs = claim_docs.documents(session=s, claim=claim)
        if not 1 <= n <= len(docs):
            raise NotFoundError(f"claim {claim_id} has no document {n}")
        sha = docs[n - 1].sha256
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
    ctx, me = _ctx(request, principal), principal.actor
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


# --- audit ---------------------------------------------------------------------------------------------------------


@router.get("/audit", response_class=HTMLResponse)
@pages
def audit_page(request: Request, job: str = "") -> Response:
    principal = need(request, (Role.auditor,))
    settings = request.app.state.settings
    with request.app.state.read_sessions() as s:
        head = read_head(s, principal.tenant)
        cp = checkpoints.latest_checkpoint(s, principal.tenant)
        entries = s.scalar(select(func.count()).select_from(AuditEntryRow)
                           .where(AuditEntryRow.log == principal.tenant)) or 0
        last = s.scalars(select(jobs.AuditVerification).where(jobs.AuditVerification.tenant == principal.tenant)
                         .order_by(jobs.AuditVerification.created_at.desc()).limit(1)).first()
        current = jobs.get(s, tenant=principal.tenant, job_id=job) if job else None
    public_key = checkpoints.public_paths(settings.signing_key)[0].is_file()
    return render(request, "audit.html", principal, log=principal.tenant, size=head.size if head else entries,
                  checkpoint=cp, last=last, current=current or (last if last and last.state == jobs.RUNNING else None),
                  public_key=public_key)


@router.post("/audit/verify")
@pages
def audit_verify(request: Request, background: BackgroundTasks, csrf: Annotated[str | None, Form()] = None) -> Response:
    principal = need(request, (Role.auditor,))
    check_csrf(request, csrf)
    settings, sessions = request.app.state.settings, request.app.state.sessions
    with transaction(sessions) as s:
        head = read_head(s, principal.tenant)
        row = jobs.start(s, tenant=principal.tenant, requested_by=principal.actor, entries=head.size if head else 0)
    background.add_task(run_verification, settings=settings, sessions=sessions, read=request.app.state.read_sessions,
                        job_id=row.id, tenant=principal.tenant, strict=False)
    return RedirectResponse(f"/console/audit?job={row.id}", status_code=303)


@router.get("/audit/verifications/{job_id}")
@pages
def audit_job(request: Request, job_id: str) -> Response:
    """The verification's state as JSON, for the audit page's progress display."""
    principal = need(request, (Role.auditor,))
    with request.app.state.read_sessions() as s:
        row = jobs.get(s, tenant=principal.tenant, job_id=job_id)
        if row is None:
            raise NotFoundError(f"no verification {job_id}")
        report = row.result or {}
        return JSONResponse({"state": row.state, "entries": row.entries,
                             "finished_at": row.finished_at.isoformat() if row.finished_at else None,
                             "ok": report.get("ok"), "first_problem": report.get("first_problem"),
                             "error": report.get("error")})


@router.get("/audit/export.tar.gz")
@pages
def audit_export(request: Request) -> Response:
    """The tenant's log as an export bundle (verify.py, entries, checkpoints, public key), tar.gz."""
    principal = need(request, (Role.auditor,))
    settings = request.app.state.settings
    pub = checkpoints.public_paths(settings.signing_key)[0]
    with tempfile.TemporaryDirectory() as tmp, request.app.state.read_sessions() as s:
        bundle = Path(tmp) / "bundle"
        export_bundle(s, bundle, logs=[principal.tenant], public_key=pub if pub.is_file() else None)
        data = io.BytesIO()
        with tarfile.open(fileobj=data, mode="w:gz") as tar:
            tar.add(bundle, arcname=f"claimflow-audit-{principal.tenant}")
    name = f"claimflow-audit-{principal.tenant}-{_now():%Y%m%dT%H%M%SZ}.tar.gz"
    return Response(data.getvalue(), media_type="application/gzip",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/audit/public-key.pem")
@pages
def audit_public_key(request: Request) -> Response:
    need(request, (Role.auditor,))
    pub = checkpoints.public_paths(request.app.state.settings.signing_key)[0]
    if not pub.is_file():
        raise NotFoundError("the server has no audit signing key yet", hint="run `claimflow audit keygen`")
    return FileResponse(pub, media_type="application/x-pem-file", filename="claimflow-audit.pub.pem")


# --- dashboard -----------------------------------------------------------------------------------------------------


@router.get("/dashboard", response_class=HTMLResponse)
@pages
def dashboard_page(request: Request, days: int = 14) -> Response:
    principal = need(request, EVERYONE)
    days = max(1, min(days, 90))
    until = _now().date()
    with request.app.state.read_sessions() as s:
        d = dashboard_repo.load(s, tenant=principal.tenant, since=until - dt.timedelta(days=days - 1), until=until)
    labels = [day.strftime("%m-%d") for day in d.days]
    S = charts.Series
    pct = lambda xs: [None if x is None else round(100 * x, 1) for x in xs]  # noqa: E731
    q = lambda qs, a: [None if x is None else round(getattr(x, a), 3) for x in qs]  # noqa: E731
    plots = {
        "throughput": charts.bars("Claims received and decided per day", labels,
                                  [S("received", d.received), S("decided", d.decided)]),
        "outcomes": charts.bars("Final decisions per day by outcome", labels,
                                [S(o.lower(), v) for o, v in sorted(d.outcomes.items())]),
        "review": charts.lines("Share of claims pended for review (%)", labels,
                               [S("review rate", pct(d.review_rate))], top=100),
        "latency": charts.lines("Median hours from receipt to decision", labels,
                                [S("median hours", [None if x is None else round(x, 2)
                                                    for x in d.median_hours_to_decision])]),
        "ocr": charts.lines("OCR confidence per day (p10, median, p90)", labels,
                            [S("p10", q(d.ocr_confidence, "p10")), S("median", q(d.ocr_confidence, "p50")),
                             S("p90", q(d.ocr_confidence, "p90"))], top=1),
        "extraction": charts.lines("Extraction confidence per day (p10, median, p90)", labels,
                                   [S("p10", q(d.extraction_confidence, "p10")),
                                    S("median", q(d.extraction_confidence, "p50")),
                                    S("p90", q(d.extraction_confidence, "p90"))], top=1),
        "pended": charts.bars("Machine decisions pended per review queue (%)", labels,
                              [S(k, pct(v)) for k, v in d.pended_share.items()], top=100),
    }
    return render(request, "dashboard.html", principal, d=d, plots=plots, days=days)


@router.get("/{path:path}", response_class=HTMLResponse)
@pages
def not_found(request: Request, path: str) -> Response:
    """Any other console address: a 404 page (after sign-in, so it reveals nothing to a stranger)."""
    need(request, EVERYONE)
    raise NotFoundError(f"there is no console page /console/{path}")
