"""/v1/plans (admin): the plans claims are adjudicated against, with their content versions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from db.api_keys import Role

from api.deps import Principal, SettingsDep, require
from api.problems import responses
from api.schemas import PlanPublic

router = APIRouter(prefix="/v1/plans", tags=["plans"])


@router.get("", response_model=list[PlanPublic], summary="Every plan, by id", responses=responses(401, 403, 429))
def list_plans(principal: Annotated[Principal, Depends(require(Role.admin))], settings: SettingsDep
               ) -> list[PlanPublic]:
    import rules

    plans = rules.load_plans(settings.plans_dir)
    return [PlanPublic(id=p.id, name=p.name, kind=p.kind, currency=p.currency, effective_start=p.effective.start,
                       effective_end=p.effective.end, version=p.version) for _, p in sorted(plans.items())]
