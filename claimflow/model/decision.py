"""The Decision: the outcome of adjudicating one claim, with every cent explained.

Owned by the rules issue (#7); the foundation relies on ``outcome``, ``payable``, ``billed``, ``reasons``,
``plan_id``, ``plan_version`` and ``canonical_bytes()``.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any

import rfc8785
from pydantic import BaseModel, ConfigDict, Field

from claimflow.money import ZERO, Money


class Outcome(StrEnum):
    APPROVED = "APPROVED"
    PARTIALLY_APPROVED = "PARTIALLY_APPROVED"
    DENIED = "DENIED"
    PENDING_REVIEW = "PENDING_REVIEW"


class Reason(BaseModel):
    """An adjustment or flag, modelled on X12 835: group code (CO/PR/OA/PI) + CARC-style code, optional remark."""

    model_config = ConfigDict(frozen=True)

    group: str = Field(pattern=r"^(CO|PR|OA|PI)$")
    code: str
    remark: str | None = None
    message: str
    amount: Money | None = None
    line: int | None = Field(None, description="Index of the line item the reason applies to, if any.")


class Decision(BaseModel):
    model_config = ConfigDict(frozen=True)

    outcome: Outcome
    billed: Money = ZERO
    allowed: Money = ZERO
    payable: Money = ZERO
    member_responsibility: Money = ZERO
    currency: str | None = None
    reasons: list[Reason] = Field(default_factory=list)
    review_queue: str | None = Field(None, description="Who should look, for PENDING_REVIEW.")
    plan_id: str | None = None
    plan_version: str | None = Field(None, description="Content digest of the plan applied.")
    engine_version: str = "claimflow-rules/0"

    def to_json_dict(self) -> dict[str, Any]:
        return json.loads(self.model_dump_json())

    def canonical_bytes(self) -> bytes:
        return rfc8785.dumps(self.to_json_dict())
