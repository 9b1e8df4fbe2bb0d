"""The console's shared page machinery and its sign-in: sessions, roles, CSRF, rendering, error pages.

Pages live in review_pages.py (queue, claim) and audit_pages.py (audit, dashboard); each route calls ``need`` for
its roles, ``check_csrf`` for a form, and ``render`` for its template. Errors render as HTML pages with the error's
status (another tenant's claim is a 404 page, like a missing one). Every decision is a call into flows/review.py with
the signed-in key as the reviewer (``key:<key_id>``, as over the API).
"""

from __future__ import annotations

import datetime as dt
import functools
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from claimflow.errors import AuthenticationError, ClaimflowError, NotFoundError, PermissionDeniedError
from db import api_keys
from db.api_keys import Role
from flows import stages
from rules.explain import CARC

from api.console.security import PRELOGIN_COOKIE, SESSION_COOKIE, Signer
from api.deps import Principal, stage_context

router = APIRouter(prefix="/console", include_in_schema=False)
fallback = APIRouter(prefix="/console", include_in_schema=False)  # included last: a 404 page for anything else
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.globals["CARC"] = CARC  # code -> description, for the reason codes shown and the denial form

REVIEWERS = (Role.reviewer,)
READERS = (Role.reviewer, Role.auditor)
EVERYONE = (Role.reviewer, Role.auditor, Role.admin)
LANDING = {Role.reviewer: "/console/queue", Role.auditor: "/console/audit", Role.admin: "/console/dashboard"}


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


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def signed_in(request: Request) -> Principal | None:
    """The principal of the request's session cookie, if it is valid and its key still live."""
    claims = _signer(request).check(request.cookies.get(SESSION_COOKIE), now())
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



def context(request: Request, principal: Principal) -> stages.Context:
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
    response.set_cookie(SESSION_COOKIE, _signer(request).issue(key_id, now()), httponly=True, samesite="strict",
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




@fallback.get("/{path:path}", response_class=HTMLResponse)
@pages
def not_found(request: Request, path: str) -> Response:
    """Any other console address: a 404 page (after sign-in, so it reveals nothing to a stranger)."""
    need(request, EVERYONE)
    raise NotFoundError(f"there is no console page /console/{path}")
