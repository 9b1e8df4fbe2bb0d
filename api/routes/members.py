"""/v1/members (admin): load members of the caller's tenant, list them (names and dates of birth never go out)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import select

from claimflow.model import Member
from db.api_keys import Role
from db.engine import transaction
from db.members import members_of_rows, upsert_members
from db.models import MemberRow

from api.deps import Principal, ReadSessionDep, SessionsDep, SettingsDep, require
from api.problems import responses
from api.schemas import ErasurePublic, MemberPage, MemberPublic, MembersIn, MembersWritten

router = APIRouter(prefix="/v1/members", tags=["members"])
Admin = Annotated[Principal, Depends(require(Role.admin))]


@router.post("", response_model=MembersWritten, summary="Add or update members (by member_id)",
             responses=responses(401, 403, 413, 422, 429))
def put_members(body: MembersIn, principal: Admin, sessions: SessionsDep) -> MembersWritten:
    members = [Member(tenant=principal.tenant, **m.model_dump()) for m in body.members]
    with transaction(sessions) as s:
        written = upsert_members(session=s, members=members)
    return MembersWritten(written=written)


@router.get("", response_model=MemberPage,
            summary="The tenant's members, in stored order (the member id's blind index; cursor-paginated)",
            responses=responses(401, 403, 422, 429))
def list_members(
    principal: Admin,
    session: ReadSessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[str | None, Query(max_length=100, description="next_cursor of the previous page.")] = None,
) -> MemberPage:
    q = select(MemberRow).where(MemberRow.tenant == principal.tenant)
    if cursor:
        q = q.where(MemberRow.member_id > cursor)
    rows = list(session.scalars(q.order_by(MemberRow.member_id).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    items = [MemberPublic.model_validate(m.model_dump(mode="json", include=set(MemberPublic.model_fields)))
             for m in members_of_rows(rows)]
    return MemberPage(items=items, next_cursor=rows[-1].member_id if more else None)


@router.post("/{member_id}/erase", response_model=ErasurePublic,
             summary="Erase the member's personal data (crypto-shredding; cannot be undone)",
             responses=responses(401, 403, 422, 429))
async def erase_member(
    member_id: Annotated[str, Path(min_length=1, max_length=100)], principal: Admin, settings: SettingsDep,
) -> ErasurePublic:
    """Destroys the data keys of the member's personal data in the caller's tenant, deletes their originals and
    audits ``privacy.erased``. Amounts, outcomes and dates of processing stay; reads of the erased claims' extraction
    and decision answer 410 Gone (docs/privacy.md)."""
    from flows.privacy import erase_member as erase

    done = await run_in_threadpool(lambda: erase(settings, tenant=principal.tenant, member_id=member_id,
                                                 actor=principal.actor))
    return ErasurePublic(claims=list(done.claims), documents_deleted=len(done.documents),
                         keys_destroyed=done.keys_destroyed)
