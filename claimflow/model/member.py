"""Members and their policies, as the rules engine receives them (values, no database)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class PolicyStatus(StrEnum):
    active = "active"
    lapsed = "lapsed"
    terminated = "terminated"
    suspended = "suspended"


class Member(BaseModel):
    model_config = ConfigDict(frozen=True)

    member_id: str
    tenant: str = "default"
    plan_id: str
    coverage_start: dt.date
    coverage_end: dt.date | None = None
    status: PolicyStatus = PolicyStatus.active
    subscriber_id: str | None = Field(None, description="The subscriber whose policy covers this dependent.")
    relationship: str = Field("self", description="self, spouse, child, other")
    name: str | None = Field(None, description="PHI: stays in the members table, never in logs or audit payloads.")
    date_of_birth: dt.date | None = None
