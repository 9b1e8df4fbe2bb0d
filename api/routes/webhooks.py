"""/v1/webhooks: the tenant's callback URL (admin) and the record of every delivery attempt (docs/webhooks.md)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from claimflow.errors import NotFoundError
from db import webhooks as repo
from db.api_keys import Role
from db.engine import transaction

from api.deps import Principal, SessionDep, SessionsDep, SettingsDep, require
from api.problems import responses
from api.schemas import UtcDatetime

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])

Admin = Annotated[Principal, Depends(require(Role.admin))]


class WebhookIn(BaseModel):
    url: str = Field(min_length=8, max_length=2000, description="Absolute http(s) URL events are POSTed to.",
                     examples=["https://insurer.example/claimflow/events"])
    rotate_secret: bool = Field(False, description="Make a new signing secret (shown once in the answer).")


class WebhookPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    url: str
    created_at: UtcDatetime
    updated_at: UtcDatetime
    secret: str | None = Field(None, description="The signing secret: present only when it was just made. Keep it; "
                               "it is never shown again (rotate it with rotate_secret).")
    events: list[str] = Field(default_factory=lambda: sorted(repo.EVENT_TYPES))


class DeliveryPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    event_id: str
    type: str = Field(examples=["claim.decided"])
    claim_id: str | None
    attempt: int = Field(description="1 for the first attempt.")
    status_code: int | None = Field(description="The receiver's HTTP status; null when no response came.")
    error: str | None = Field(description="Why the attempt failed (HTTP status or connection error kind).")
    attempted_at: UtcDatetime
    next_attempt_at: UtcDatetime | None = Field(description="When the event will be sent again; null when it was "
                                                "delivered or given up on.")


class DeliveryPage(BaseModel):
    items: list[DeliveryPublic]
    next: str | None = Field(None, description="Query string of the next (older) page, if any.")


@router.put("", response_model=WebhookPublic, response_model_exclude_none=True,
            summary="Set the tenant's callback URL", responses=responses(401, 403, 422, 429))
def put_webhook(body: WebhookIn, principal: Admin, settings: SettingsDep, sessions: SessionsDep) -> WebhookPublic:
    """The first call (and one with ``rotate_secret``) answers with the signing secret, once. A URL in a private
    network is refused (422) unless CLAIMFLOW_WEBHOOK_ALLOW_PRIVATE_NETWORKS is set."""
    with transaction(sessions) as s:
        row, secret = repo.set_endpoint(s, tenant=principal.tenant, url=body.url, rotate_secret=body.rotate_secret,
                                        allow_private=settings.webhook_allow_private_networks)
        return WebhookPublic(url=row.url, created_at=row.created_at, updated_at=row.updated_at, secret=secret)


@router.get("", response_model=WebhookPublic, response_model_exclude_none=True,
            summary="The tenant's callback URL", responses=responses(401, 403, 404, 429))
def get_webhook(principal: Admin, session: SessionDep) -> WebhookPublic:
    row = repo.get_endpoint(session, tenant=principal.tenant)
    if row is None:
        raise NotFoundError("no webhook URL is set", hint="set one with PUT /v1/webhooks")
    return WebhookPublic(url=row.url, created_at=row.created_at, updated_at=row.updated_at)


@router.delete("", status_code=204, summary="Stop sending events", responses=responses(401, 403, 404, 429))
def delete_webhook(principal: Admin, sessions: SessionsDep) -> Response:
    """Events not yet delivered are dropped."""
    with transaction(sessions) as s:
        repo.delete_endpoint(s, tenant=principal.tenant)
    return Response(status_code=204)


@router.get("/deliveries", response_model=DeliveryPage, summary="Delivery attempts, newest first",
            responses=responses(401, 403, 422, 429))
def list_deliveries(
    principal: Admin,
    session: SessionDep,
    claim_id: Annotated[str | None, Query(max_length=64, description="Only this claim's events.")] = None,
    before: Annotated[int | None, Query(ge=1, le=2**62, description="Page back: attempts older than this id.")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> DeliveryPage:
    rows = repo.list_deliveries(session, tenant=principal.tenant, claim_id=claim_id, before_id=before, limit=limit)
    items = [DeliveryPublic.model_validate(r) for r in rows]
    nxt = None
    if len(rows) == limit:
        nxt = f"before={rows[-1].id}&limit={limit}" + (f"&claim_id={claim_id}" if claim_id else "")
    return DeliveryPage(items=items, next=nxt)
