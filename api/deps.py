"""FastAPI dependencies as named ``Annotated`` aliases (house style section 5).

Contract for routers (api/routes/*.py):

* ``Principal`` — the caller: ``key_id``, ``tenant``, ``role``;
* ``require(*roles)`` — a dependency that authenticates the API key, rate-limits it and checks its role, returning
  the Principal (``Annotated[Principal, Depends(require(Role.reviewer))]``);
* ``SettingsDep``, ``SessionDep`` (one session per request; commit what you write), ``ReadSessionDep`` (one
  read-only session: prefer it for reads — on SQLite readers then run side by side instead of queueing for the write
  lock), ``ReadSessionsDep`` (the read-only sessionmaker), ``SessionsDep`` (the sessionmaker for writes:
  ``db.engine.transaction`` and flows' ``stages.Context``), ``DispatcherDep``;
* ``claim_or_404(session, principal, claim_id)`` — the caller's tenant's claim or NotFoundError (another tenant's
  claim is a 404, never a 403);
* ``stage_context(principal, settings, sessions)`` — a ``flows.stages.Context`` acting for the caller.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session, sessionmaker

from claimflow.errors import AuthenticationError, NotFoundError, PermissionDeniedError
from claimflow.settings import Settings
from db import api_keys
from db import claim_documents as claim_docs
from db.api_keys import Role
from db.models import Claim
from flows import stages

from api.dispatch import Dispatcher
from api.hygiene import RateLimiter

_bearer = HTTPBearer(auto_error=False, description="An API key from `claimflow keys create`.")


@dataclass(frozen=True)
class Principal:
    key_id: str
    tenant: str
    role: Role

    @property
    def actor(self) -> str:
        """How the caller appears in audit entries and decision rows: the key id, never a name."""
        return f"key:{self.key_id}"


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_sessions(request: Request) -> sessionmaker[Session]:
    return request.app.state.sessions


async def get_read_sessions(request: Request) -> sessionmaker[Session]:
    return request.app.state.read_sessions


def get_session(request: Request) -> Iterator[Session]:
    """A session for the request (commit what you write)."""
    with request.app.state.sessions() as session:
        yield session


def get_read_session(request: Request) -> Iterator[Session]:
    """A read-only session for the request: on SQLite its readers do not queue behind the write lock."""
    with request.app.state.read_sessions() as session:
        yield session


async def get_dispatcher(request: Request) -> Dispatcher:
    return request.app.state.dispatcher


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionsDep = Annotated[sessionmaker[Session], Depends(get_sessions)]
SessionDep = Annotated[Session, Depends(get_session)]
ReadSessionDep = Annotated[Session, Depends(get_read_session)]
ReadSessionsDep = Annotated[sessionmaker[Session], Depends(get_read_sessions)]
DispatcherDep = Annotated[Dispatcher, Depends(get_dispatcher)]
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


async def authenticate(request: Request, credentials: Credentials, read_sessions: ReadSessionsDep) -> Principal:
    if credentials is None or not credentials.credentials:
        raise AuthenticationError("no API key")
    principal = await run_in_threadpool(_lookup, read_sessions, credentials.credentials)
    if principal is None:
        raise AuthenticationError("the API key is unknown or revoked")
    limiter: RateLimiter = request.app.state.rate_limiter
    limiter.take(principal.key_id)
    return principal


def _lookup(read_sessions: sessionmaker[Session], key: str) -> Principal | None:
    with read_sessions() as s:
        row = api_keys.authenticate(session=s, key=key)
        return None if row is None else Principal(key_id=row.key_id, tenant=row.tenant, role=Role(row.role))


def require(*roles: Role) -> Callable[..., Principal]:
    """A dependency: the authenticated caller, if their role is one of ``roles``."""
    allowed = frozenset(roles)

    async def dependency(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
        if principal.role not in allowed:
            raise PermissionDeniedError(
                f"the {principal.role.value} role may not use this route",
                hint=f"use a key with one of the roles: {', '.join(sorted(r.value for r in allowed))}",
            )
        return principal

    return dependency


ALL_ROLES = tuple(Role)


def claim_or_404(session: Session, principal: Principal, claim_id: str) -> Claim:
    claim = claim_docs.get_claim(session=session, tenant=principal.tenant, claim_id=claim_id)
    if claim is None:
        raise NotFoundError(f"no claim {claim_id}", hint="check the claim id (GET /v1/claims lists yours)")
    return claim


def stage_context(principal: Principal, settings: Settings, sessions: sessionmaker[Session]) -> stages.Context:
    return stages.Context(settings=settings, sessions=sessions, tenant=principal.tenant, source="api",
                          submitted_by=principal.actor)
