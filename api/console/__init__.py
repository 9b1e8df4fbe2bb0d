"""The review and audit console: server-rendered pages under /console on the same app, keys and roles as the API.

``install(app, settings)`` (called by ``api.main.create_app``) includes the pages, serves the static assets, adds
the console's security headers and renders errors as pages. See docs/console.md.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from claimflow.settings import Settings

from flows.privacy import erased_listeners

from api.console import audit_pages, pages, review_pages  # noqa: F401 - their routes join web.router
from api.console.web import LoginRequired, PageError, fallback, render, router, signed_in
from api.console.security import ConsoleHeadersMiddleware, Signer, load_secret

STATIC = Path(__file__).parent / "static"


def install(app: FastAPI, settings: Settings) -> None:
    secret = settings.console_secret.get_secret_value() if settings.console_secret else None
    app.state.console_signer = Signer(load_secret(secret, settings.data_dir / "keys" / "console.secret"),
                                      lifetime=dt.timedelta(minutes=settings.console_session_minutes))
    app.mount("/console/static", StaticFiles(directory=STATIC), name="console-static")  # before the catch-all 404
    app.include_router(router)
    app.include_router(fallback)
    app.add_middleware(ConsoleHeadersMiddleware)
    app.add_exception_handler(LoginRequired, _login_required)
    app.add_exception_handler(PageError, _page_error)
    if pages.forget not in erased_listeners:  # an erasure in this process drops the rendered pages at once
        erased_listeners.append(pages.forget)


def _login_required(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRequired)
    return RedirectResponse(f"/console/login?next={exc.next_url}", status_code=303)


def _page_error(request: Request, exc: Exception) -> HTMLResponse:
    assert isinstance(exc, PageError)
    e = exc.error
    return render(request, "error.html", signed_in(request), status=e.http_status, error=e)
