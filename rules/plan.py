"""The plan model: what a benefit plan YAML file may say, validated by pydantic, compiled once for fast matching.

Percentages and money are Decimal (the loader reads YAML numbers from their source text, never through float).
``Plan.version`` is the SHA-256 content digest of the file, set by the loader: every decision names it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from claimflow.money import Money
from rules.codes import CodeSpec, IcdSpec, normalize_procedure, parse_icd_spec, parse_procedure_spec

Percent = Decimal


def _code_text(v: object) -> object:
    """YAML reads an unquoted ``99213`` as a number; a code is text."""
    return str(v) if isinstance(v, int) and not isinstance(v, bool) else v


CodeText = Annotated[str, BeforeValidator(_code_text)]


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Effective(_Strict):
    start: dt.date
    end: dt.date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Effective:
        if self.end is not None and self.end < self.start:
            raise ValueError("end is before start")
        return self


class Tier(_Strict):
    """An amount per member and per family (embedded: a member never pays more than ``individual``)."""

    individual: Money = Field(ge=0)
    family: Money | None = Field(None, ge=0)

    @model_validator(mode="after")
    def _family_covers_individual(self) -> Tier:
        if self.family is not None and self.family < self.individual:
            raise ValueError("family amount is below the individual amount")
        return self


class Limits(_Strict):
    annual: Money | None = Field(None, gt=0, description="Plan pays at most this per member per benefit year.")
    per_claim: Money | None = Field(None, gt=0, description="Plan pays at most this on one claim.")
    sub_limits: dict[str, Money] = Field(default_factory=dict, description="Plan paid per year per limit group.")


class Anomalies(_Strict):
    high_amount_factor: Decimal = Field(Decimal(4), gt=1, description="Line billed above N x fee schedule → review.")
    window_days: int = Field(30, ge=1)
    max_claims_in_window: int = Field(6, ge=1, description="More earlier claims than this in the window → review.")
    round_total_at_least: Money | None = Field(Decimal("1000.00"), description="Round totals ≥ this → flag.")
    duplicate_tolerance: Money = Field(Decimal("1.00"), ge=0, description="± amount for a possible duplicate.")


class Exclusion(_Strict):
    codes: list[str] = Field(min_length=1)
    label: str


class DiagnosisRules(_Strict):
    covered: list[str] | None = Field(None, description="If given, a diagnosis outside these is not covered.")
    excluded: list[Exclusion] = Field(default_factory=list)

    @field_validator("covered")
    @classmethod
    def _covered_specs(cls, v: list[str] | None) -> list[str] | None:
        for s in v or []:
            parse_icd_spec(s)
        return v


class Category(_Strict):
    """A benefit category: the codes it holds and how they are paid. The first category that matches a code wins."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str | None = None
    codes: list[CodeText] = Field(min_length=1)
    covered: bool = True
    not_covered_reason: str | None = Field(None, description="Plain-language reason when covered is false.")
    copay: Money | None = Field(None, ge=0)
    copay_per: Literal["visit", "line"] = "visit"
    deductible: bool = True
    coinsurance: Percent | None = Field(None, ge=0, le=100, description="Member's share; default: the plan's.")
    allowed_percent: Percent | None = Field(None, gt=0, le=100)
    limit_group: str | None = None
    waiting_period_days: int = Field(0, ge=0)
    frequency_per_year: int | None = Field(None, ge=1, description="Units per benefit year, e.g. 2 cleanings.")
    requires_diagnosis: list[str] | None = Field(None, description="ICD-10-CM specs; none present → CO-11.")

    @field_validator("codes")
    @classmethod
    def _code_specs(cls, v: list[str]) -> list[str]:
        for s in v:
            parse_procedure_spec(s)
        return v

    @field_validator("requires_diagnosis")
    @classmethod
    def _dx_specs(cls, v: list[str] | None) -> list[str] | None:
        for s in v or []:
            parse_icd_spec(s)
        return v


class Plan(_Strict):
    """A benefit plan. See rules/plans/README.md for every field with an example."""

    id: str = Field(pattern=r"^[A-Z0-9][A-Z0-9_-]*$")
    name: str
    kind: Literal["medical", "dental_vision"] = "medical"
    currency: str = Field("USD", pattern=r"^[A-Z]{3}$")
    effective: Effective
    timely_filing_days: int = Field(365, ge=1)
    dependent_max_age: int | None = Field(26, ge=1)
    require_diagnosis: bool = False
    uncoded_lines: Literal["review", "deny"] = "review"
    deductible: Tier
    out_of_pocket_max: Tier | None = Field(None, description="None: no out-of-pocket maximum (dental).")
    coinsurance: Percent = Field(ge=0, le=100, description="Member's share after the deductible, percent.")
    allowed_percent: Percent = Field(Decimal(100), gt=0, le=100, description="Of billed, without a fee schedule entry.")
    limits: Limits = Field(default_factory=Limits)
    anomalies: Anomalies = Field(default_factory=Anomalies)
    diagnoses: DiagnosisRules = Field(default_factory=DiagnosisRules)
    categories: list[Category] = Field(min_length=1)
    fee_schedule: dict[CodeText, Money] = Field(default_factory=dict, description="Allowed amount per unit, by code.")
    #: The file's SHA-256 (``sha256:…``), set by the loader; never written in the file itself.
    version: str = ""
    source: str = Field("", description="The file the plan was loaded from.")

    _compiled: CompiledPlan = PrivateAttr()

    @model_validator(mode="after")
    def _consistent(self) -> Plan:
        names = [c.name for c in self.categories]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"category names repeat: {', '.join(dupes)}")
        groups = {c.limit_group for c in self.categories if c.limit_group}
        unknown = sorted(set(self.limits.sub_limits) - groups)
        if unknown:
            raise ValueError(f"limits.sub_limits names groups no category uses: {', '.join(unknown)}")
        for code in self.fee_schedule:
            if normalize_procedure(code)[0] is None:
                raise ValueError(f"fee_schedule key {code!r} is not a procedure code")
        if self.out_of_pocket_max and self.out_of_pocket_max.individual < self.deductible.individual:
            raise ValueError("out_of_pocket_max.individual is below deductible.individual")
        for ex in self.diagnoses.excluded:
            for s in ex.codes:
                parse_icd_spec(s)
        return self

    def model_post_init(self, __context: object) -> None:
        self._compiled = CompiledPlan(self)

    @property
    def compiled(self) -> CompiledPlan:
        # read the private slot directly: pydantic's __getattr__ path for private attributes is slow in the hot path
        return self.__pydantic_private__["_compiled"]  # type: ignore[index,no-any-return]


class CompiledPlan:
    """Plan clauses precompiled for the hot path: code specs parsed, fee schedule normalised, lookups memoised."""

    __slots__ = (
        "categories", "_specs", "_cache", "_dx_cache", "fees", "exclusions", "covered_dx", "requires_dx",
        "category_index", "clauses", "window",
    )  # fmt: skip

    def __init__(self, plan: Plan) -> None:
        self.categories = plan.categories
        self.category_index = {c.name: i for i, c in enumerate(plan.categories)}
        self.clauses = tuple(f"categories[{c.name}]" for c in plan.categories)
        self.window = dt.timedelta(days=plan.anomalies.window_days)
        self._specs: list[tuple[int, tuple[CodeSpec, ...]]] = [
            (i, tuple(parse_procedure_spec(s) for s in c.codes)) for i, c in enumerate(plan.categories)
        ]
        self._cache: dict[tuple[str, str], int | None] = {}
        self._dx_cache: dict[str, tuple[str | None, bool]] = {}
        self.fees: dict[str, Decimal] = {}
        for code, fee in plan.fee_schedule.items():
            _, norm = normalize_procedure(code)
            self.fees[norm or code] = fee
        self.exclusions: list[tuple[str, tuple[IcdSpec, ...]]] = [
            (ex.label, tuple(parse_icd_spec(s) for s in ex.codes)) for ex in plan.diagnoses.excluded
        ]
        self.covered_dx: tuple[IcdSpec, ...] | None = (
            tuple(parse_icd_spec(s) for s in plan.diagnoses.covered) if plan.diagnoses.covered is not None else None
        )
        self.requires_dx: dict[int, tuple[IcdSpec, ...]] = {
            i: tuple(parse_icd_spec(s) for s in c.requires_diagnosis)
            for i, c in enumerate(plan.categories)
            if c.requires_diagnosis
        }

    def category_of(self, system: str, code: str) -> int | None:
        """Index of the first category whose specs match, or None (not a benefit of the plan)."""
        key = (system, code)
        try:
            return self._cache[key]
        except KeyError:
            pass
        found = None
        for i, specs in self._specs:
            if any(s.matches(system, code) for s in specs):
                found = i
                break
        if len(self._cache) < 100_000:
            self._cache[key] = found
        return found

    def exclusion_of(self, icd: str) -> str | None:
        """The exclusion label a diagnosis falls under, or None (memoised per code)."""
        try:
            return self._dx_cache[icd][0]
        except KeyError:
            return self._dx_lookup(icd)[0]

    def dx_covered(self, icd: str) -> bool:
        try:
            return self._dx_cache[icd][1]
        except KeyError:
            return self._dx_lookup(icd)[1]

    def _dx_lookup(self, icd: str) -> tuple[str | None, bool]:
        label = None
        for name, specs in self.exclusions:
            if any(s.matches(icd) for s in specs):
                label = name
                break
        covered = self.covered_dx is None or any(s.matches(icd) for s in self.covered_dx)
        if len(self._dx_cache) < 100_000:
            self._dx_cache[icd] = (label, covered)
        return label, covered


__all__ = ["Category", "CompiledPlan", "Plan"]
