"""The Decision: the outcome of adjudicating one claim, with every cent explained.

Owned by the rules issue (#7); the foundation relies on ``outcome``, ``billed``, ``allowed``, ``payable``,
``member_responsibility``, ``reasons``, ``review_queue``, ``plan_id``, ``plan_version``, ``to_json_dict()`` and
``canonical_bytes()``.

Money identities every decision keeps (tested as properties):

* per line and in total, ``member_responsibility + payable == allowed``;
* per line, ``billed - allowed`` is the sum of the line's CO/OA/PI adjustments and ``member_responsibility`` the sum
  of its PR adjustments;
* a PENDING_REVIEW or DENIED decision pays nothing: its totals are zero and what *would* be paid if a reviewer
  approves is in ``proposed_payable`` and the lines.
"""

from __future__ import annotations

import datetime as dt
import json
from enum import StrEnum
from typing import Any

import rfc8785
from pydantic import BaseModel, ConfigDict, Field
from typing_extensions import TypedDict

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
    line: int | None = Field(None, description="Index (0-based) of the line item the reason applies to, if any.")
    rule: str | None = Field(None, description="The rule (name/version) that produced it.")

    @property
    def label(self) -> str:
        """``CO-45`` or ``CO-45/N381``."""
        base = f"{self.group}-{self.code}"
        return f"{base}/{self.remark}" if self.remark else base


class LineStatus(StrEnum):
    PAID = "PAID"  # covered; payable may still be zero (deductible)
    DENIED = "DENIED"
    PENDING = "PENDING"


class LineResult(BaseModel):
    """How one line item was priced. Money identities: see the module docstring."""

    model_config = ConfigDict(frozen=True)

    index: int
    code: str | None = None
    code_system: str | None = Field(None, description="CPT, HCPCS, CDT, NDC or REV (revenue code), as recognised.")
    category: str | None = Field(None, description="The plan's benefit category the code fell in.")
    service_date: dt.date | None = None
    status: LineStatus
    billed: Money = ZERO
    allowed: Money = ZERO
    copay: Money = ZERO
    deductible: Money = ZERO
    coinsurance: Money = ZERO
    over_limit: Money = Field(ZERO, description="Allowed amount above a benefit maximum (member pays).")
    member_responsibility: Money = ZERO
    payable: Money = ZERO


class RuleTrace(TypedDict):
    """One rule as applied: ``rule`` (name/version), ``result`` (pass, fail, review, flag, skip or applied),
    ``inputs`` (what it looked at), ``clause`` (the plan clause applied, e.g. ``categories[office_visit].copay``),
    ``detail`` and ``line`` (index of the line item, if any).

    A plain typed dict rather than a model: a decision carries a couple of dozen of these and the engine builds them
    on its hot path (pydantic validates and serializes them like any field).
    """

    rule: str
    result: str
    inputs: dict[str, str]
    clause: str | None
    detail: str | None
    line: int | None


class Flag(BaseModel):
    """Something an examiner should know about. ``severity`` review sends the claim to ``queue``; info only notes."""

    model_config = ConfigDict(frozen=True)

    code: str
    severity: str = Field(pattern=r"^(info|review)$")
    queue: str | None = None
    message: str
    rule: str


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
    # --- added by the rules engine (#7) ---
    member_id: str | None = None
    document_sha256: str | None = None
    provider: str | None = Field(None, description="Provider key (npi:… or name:…), for duplicate checks.")
    decided_on: dt.date | None = Field(None, description="The adjudication date ('today' for timely filing).")
    service_date: dt.date | None = Field(None, description="First date of service.")
    benefit_year: int | None = None
    lines: list[LineResult] = Field(default_factory=list)
    flags: list[Flag] = Field(default_factory=list)
    trace: list[RuleTrace] = Field(default_factory=list)
    proposed_payable: Money = Field(ZERO, description="What the lines would pay if approved (set for reviews too).")
    # Accumulator increments this decision makes (zero unless APPROVED / PARTIALLY_APPROVED); db/members.py sums them.
    deductible_applied: Money = ZERO
    copay_applied: Money = ZERO
    coinsurance_applied: Money = ZERO
    oop_applied: Money = Field(ZERO, description="Cost sharing counted towards the out-of-pocket maximum.")
    limit_paid: dict[str, Money] = Field(default_factory=dict, description="Plan paid per sub-limit group.")
    service_counts: dict[str, int] = Field(default_factory=dict, description="Units per benefit category.")

    def to_json_dict(self) -> dict[str, Any]:
        return json.loads(self.model_dump_json())

    def canonical_bytes(self) -> bytes:
        return rfc8785.dumps(self.to_json_dict())

    def explain(self) -> str:
        """An Explanation of Benefits in plain text: lines, what the member owes and why, what happens next."""
        from claimflow.model.eob import render_eob

        return render_eob(self)
