"""What the engine needs to know about a member's earlier claims, as values the db layer computes.

The db layer (``db/members.py``) derives these from prior rows of the ``decisions`` table; the rules engine receives
them and never touches the database. Both sides import them from here because ``db`` and ``rules`` must not import
each other.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from claimflow.money import ZERO, Money


class Accumulators(BaseModel):
    """Benefit-year totals *before* the claim being decided. All money is plan-year-to-date, never negative.

    Only decisions that paid or applied cost sharing (APPROVED, PARTIALLY_APPROVED) count; pending and denied
    claims do not move accumulators.
    """

    model_config = ConfigDict(frozen=True)

    year: int | None = Field(None, description="Benefit year these totals belong to (calendar year of service).")
    deductible_met: Money = Field(ZERO, description="Deductible the member has satisfied this year.")
    family_deductible_met: Money = Field(ZERO, description="Deductible satisfied by the whole family this year.")
    oop_used: Money = Field(ZERO, description="Member cost sharing (deductible + co-pay + co-insurance) this year.")
    family_oop_used: Money = Field(ZERO, description="The same, for the whole family.")
    plan_paid: Money = Field(ZERO, description="What the plan paid this year (against the annual limit).")
    limit_paid: dict[str, Money] = Field(
        default_factory=dict, description="Plan paid this year per sub-limit group (pharmacy, dental, vision, lab…)."
    )
    service_counts: dict[str, int] = Field(
        default_factory=dict, description="Units of service this year per benefit category (frequency limits)."
    )


EMPTY_ACCUMULATORS = Accumulators()


class ClaimHistoryEntry(BaseModel):
    """One earlier claim of the member, for duplicate and frequency checks. No PHI beyond ids and amounts."""

    model_config = ConfigDict(frozen=True)

    document_sha256: str
    claim_id: str | None = None
    provider: str | None = Field(None, description="Provider key: NPI when known, else the normalised name.")
    service_date: dt.date | None = None
    amount: Money | None = Field(None, description="Billed total of that claim.")
    claim_date: dt.date | None = Field(None, description="When that claim was received/decided.")
    outcome: str | None = None


def provider_key(npi: str | None, name: str | None) -> str | None:
    """The one way both sides identify a provider: the NPI, else the upper-cased name with single spaces."""
    if npi:
        return f"npi:{npi}"
    if name and name.strip():
        return "name:" + " ".join(name.upper().split())
    return None
