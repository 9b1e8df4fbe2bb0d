"""The review workflow's values (docs/review.md): what a reviewer asks for and what they get back.

``ReviewAction`` is what ``flows.review.decide`` takes: ``Approve``, ``Deny`` or ``Adjust`` (a discriminated union on
``kind``, so the API can take it as JSON as it is). The rest are read models the CLI, the API and the console show.
Reviewer ids are opaque actor ids (an API key id, ``cli:<user>``), never a person's name.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from claimflow.model.decision import Decision
from claimflow.model.extraction import Extraction
from claimflow.money import Money


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Approve(_Frozen):
    """Approve the machine's proposal: the values as read are confirmed, every pend is resolved."""

    kind: Literal["approve"] = "approve"
    note: str | None = Field(None, max_length=2000, description="Why (kept with the decision; never audited).")


class Deny(_Frozen):
    """Deny the whole claim with a CARC reason: ``96`` or ``CO-96`` / ``PR-96`` (group CO by default)."""

    kind: Literal["deny"] = "deny"
    carc: str = Field(min_length=1, max_length=10, examples=["96", "PR-204"])
    note: str | None = Field(None, max_length=2000)


class LineAdjustment(_Frozen):
    """One line's new allowed amount and/or procedure code (``line`` is 0-based, as in the decision's lines)."""

    line: int = Field(ge=0)
    allowed: Money | None = Field(None, ge=0, description="The allowed amount the plan prices this line at.")
    code: str | None = Field(None, min_length=1, max_length=40, description="The procedure code to price it as.")

    @field_validator("allowed", mode="before")
    @classmethod
    def _not_float(cls, v: object) -> object:
        if isinstance(v, float):  # a JSON number: money travels as a string ("12.50"), never a float
            raise ValueError("give the amount as a string with two places, e.g. \"12.50\"")
        return v

    @model_validator(mode="after")
    def _something(self) -> LineAdjustment:
        if self.allowed is None and self.code is None:
            raise ValueError("a line adjustment needs an allowed amount, a code, or both")
        return self


class Adjust(_Frozen):
    """Approve with line overrides: an allowed amount replaces the plan's price, a code re-prices the line."""

    kind: Literal["adjust"] = "adjust"
    lines: list[LineAdjustment] = Field(min_length=1)
    note: str | None = Field(None, max_length=2000)

    @model_validator(mode="after")
    def _distinct(self) -> Adjust:
        seen = [a.line for a in self.lines]
        if len(seen) != len(set(seen)):
            raise ValueError("each line may be adjusted once per decision")
        return self


ReviewAction = Annotated[Approve | Deny | Adjust, Field(discriminator="kind")]


class Lease(_Frozen):
    """A reviewer's time-limited hold on a claim."""

    claim_id: str
    reviewer: str
    taken_at: dt.datetime
    expires_at: dt.datetime


class QueueItem(_Frozen):
    """One claim waiting for a person: ``queue`` is the review queue, or ``four_eyes`` when awaiting confirmation."""

    claim_id: str
    status: str
    queue: str | None
    member_id: str | None
    received_on: dt.date
    waiting_since: dt.datetime = Field(description="When the claim entered the queue (its latest decision).")
    billed: Money
    proposed_payable: Money
    reason_codes: list[str]
    proposed_by: str | None = Field(None, description="Who proposed the decision awaiting confirmation.")
    lease: Lease | None = None


class ReviewRecord(_Frozen):
    """One decision row of the claim, oldest first: the machine's and every person's."""

    decision_id: int
    kind: Literal["machine", "review"]
    action: str | None = Field(None, description="approve, deny, adjust, confirm, reopen; None for the machine.")
    decided_by: str
    decided_at: dt.datetime
    final: bool = Field(description="False for a proposal awaiting a second reviewer's confirmation.")
    outcome: str
    payable: Money
    digest: str
    note: str | None = None
    changes: dict[str, object] | None = None
    supersedes: int | None = None


class ClaimReview(_Frozen):
    """Everything a reviewer needs to decide a claim."""

    claim_id: str
    status: str
    submitted_by: str
    received_on: dt.date
    member_id: str | None
    extraction: Extraction | None
    extraction_digest: str | None
    machine_decision: Decision | None = Field(description="The machine's latest decision (kept through review).")
    decision: Decision | None = Field(description="The claim's decision now: its latest final decision.")
    proposal: Decision | None = Field(None, description="A reviewer's decision awaiting confirmation (four-eyes).")
    proposed_by: str | None = None
    history: list[ReviewRecord]
    lease: Lease | None = None


class ReviewOutcome(_Frozen):
    """What one review step did."""

    claim_id: str
    action: str = Field(description="approve, deny, adjust, confirm, correct, reopen.")
    reviewer: str
    status: str = Field(description="The claim's status afterwards.")
    final: bool = Field(description="False when the decision awaits a second reviewer (status awaiting_confirmation).")
    decision_id: int
    decision_digest: str
    decision: Decision
    previous_decision_digest: str | None = None
    extraction_digest: str | None = Field(None, description="The corrected extraction's digest (correct only).")
