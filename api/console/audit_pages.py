"""The auditor's page (log size, checkpoint, verification with progress, export bundle and public key) and the
dashboard (throughput, outcomes, review rate, time to decision, drift), as inline SVG charts."""

from __future__ import annotations

import datetime as dt
import io
import tarfile
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import BackgroundTasks, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy import func, select

from claimflow.errors import NotFoundError
from db import dashboard as dashboard_repo
from db import verifications as jobs
from db.api_keys import Role
from db.audit import checkpoint as checkpoints
from db.audit.export import export_bundle
from db.audit.models import AuditEntryRow
from db.audit.writer import read_head
from db.engine import transaction

from api.console import charts
from api.console.web import EVERYONE, check_csrf, need, now, pages, render, router
from api.routes.audit import run_verification


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
    name = f"claimflow-audit-{principal.tenant}-{now():%Y%m%dT%H%M%SZ}.tar.gz"
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
    until = now().date()
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
