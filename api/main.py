"""The FastAPI application: ``create_app(settings, dispatcher=None, sessions=None)``.

Routers are included here and only here (one per resource under api/routes/, each exposing ``router``). Errors are
RFC 9457 problem+json (api/problems.py); api/hygiene.py adds the body limit, security headers and the access log.
Serve it with ``claimflow api serve`` (uvicorn, access log off: our own log line carries no query string).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi
from sqlalchemy.orm import Session, sessionmaker

from claimflow import __version__
from claimflow.settings import Settings
from db.engine import is_sqlite, make_engine, session_factory
from flows.runtime import sessions_for

from api import console, problems
from api.dispatch import Dispatcher, PrefectDispatcher
from api.hygiene import HygieneMiddleware, RateLimiter
from api.routes import claims, health, members, plans, review

DESCRIPTION = """\
Submit insurance claims (documents in, decisions out), follow them, review what the machine pended.

Authenticate with `Authorization: Bearer <key>` (`claimflow keys create --tenant T --role R`). Every error is
`application/problem+json` (RFC 9457). See docs/api.md.
"""

ROUTERS = [health.router, claims.router, review.router, members.router, plans.router]


def create_app(
    settings: Settings,
    *,
    dispatcher: Dispatcher | None = None,
    sessions: sessionmaker[Session] | None = None,
) -> FastAPI:
    app = FastAPI(title="claimflow", version=__version__, description=DESCRIPTION,
                  openapi_tags=[{"name": "claims"}, {"name": "review"}, {"name": "members"}, {"name": "plans"},
                                {"name": "health"}])
    app.state.settings = settings
    app.state.sessions = sessions or sessions_for(settings)
    app.state.read_sessions = _read_sessions(app.state.sessions)
    app.state.dispatcher = dispatcher or PrefectDispatcher(settings)
    app.state.rate_limiter = RateLimiter(rate=settings.api_rate_per_second, burst=settings.api_rate_burst)
    for router in ROUTERS + _optional_routers():
        app.include_router(router)
    problems.install(app)
    console.install(app, settings)  # the review and audit console under /console (api/console)
    if settings.api_cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.api_cors_origins, allow_methods=["GET", "POST",
                           "DELETE"], allow_headers=["Authorization", "Content-Type", "Idempotency-Key"])
    app.add_middleware(HygieneMiddleware, max_request_bytes=settings.max_request_bytes)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _read_sessions(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    """Sessions for the API's reads: on SQLite a read-only engine whose readers do not queue for the write lock."""
    engine = sessions.kw["bind"]
    if not is_sqlite(engine):
        return sessions
    return session_factory(make_engine(engine.url.render_as_string(hide_password=False), read_only=True),
                           keyring=sessions.kw.get("info", {}).get("keyring"))


def _optional_routers() -> list[Any]:
    """Routers of other resources, included when their module is present (review, audit, FHIR, webhooks…)."""
    import importlib

    found = []
    for name in ("audit", "fhir", "webhooks", "metrics"):
        try:
            module = importlib.import_module(f"api.routes.{name}")
        except ModuleNotFoundError as e:
            if e.name != f"api.routes.{name}":
                raise
            continue
        found.append(module.router)
    return found


def _openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes,
                         tags=app.openapi_tags)
    components = schema.setdefault("components", {})
    defs = problems.Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    components.setdefault("schemas", {}).update(defs.pop("$defs", {}))
    components["schemas"]["Problem"] = defs
    components.setdefault("securitySchemes", {})
    app.openapi_schema = schema
    return schema


def from_environment() -> FastAPI:
    """The app with settings from the environment (CLAIMFLOW_*), for
    ``uvicorn --factory api.main:from_environment --no-access-log`` (docs/api.md)."""
    return create_app(Settings())
