"""Property tests (hypothesis) of the money rules over the shipped plans and random realistic claims."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claimflow.model.accumulators import Accumulators, ClaimHistoryEntry
from claimflow.model.decision import Decision, LineStatus, Outcome
from claimflow.model.extraction import Extraction
from claimflow.model.member import Member
from claimflow.money import ZERO
from rules import adjudicate, load_plans
from rules.claimspec import claim_from_spec

PLANS = load_plans()
TODAY = dt.date(2026, 6, 30)
CODES = [
    "99213", "99214", "99203", "99395", "99284", "80053", "85025", "36415", "72148", "74177", "71046", "97110",
    "98941", "12001", "J1100", "E0114", "A0427", "15823", "0002-1433-80", "00093-7146-56", "D0120", "D1110",
    "D2140", "D2740", "D8080", "92014", "V2020", "V2100", "-", "99Z1X",
]  # fmt: skip
DIAGNOSES = ["J06.9", "E11.9", "M54.50", "Z41.1", "!Z41.1", "H52.13", "Z00.00", "S52.501A", "N97"]

cents = st.integers(min_value=1, max_value=300_000).map(lambda c: Decimal(c).scaleb(-2))
confidence = st.one_of(st.none(), st.sampled_from([0.3, 0.6, 0.79, 0.81, 0.9, 0.99]))


@st.composite
def claims(draw: Any, sha: str | None = None) -> dict[str, Any]:
    n = draw(st.integers(min_value=0, max_value=6))
    day = TODAY - dt.timedelta(days=draw(st.integers(min_value=-5, max_value=200)))
    lines = []
    for _ in range(n):
        code = draw(st.sampled_from(CODES))
        amount = draw(cents) if draw(st.integers(0, 15)) else -draw(cents)  # now and then a credit line
        qty = draw(st.sampled_from(["", "", "", " x2", " x3"]))
        conf = draw(confidence)
        lines.append(f"{code} {amount}{qty}" + (f" @{conf}" if conf is not None else ""))
    spec: dict[str, Any] = {
        "sha": sha or draw(st.text(alphabet="abcdef0123", min_size=4, max_size=8)),
        "member_id": "M-1",
        "dates": [day],
        "lines": lines,
        "diagnoses": draw(st.lists(st.sampled_from(DIAGNOSES), max_size=2, unique=True)),
        "provider": {"npi": "1234567893"},
        "member_id_confidence": draw(confidence),
        "date_confidence": draw(confidence),
        "total_confidence": draw(confidence),
    }
    if n == 0:
        spec["total"] = str(draw(cents))
    return spec


@st.composite
def accumulators(draw: Any, plan_id: str) -> Accumulators:
    plan = PLANS[plan_id]
    ded = draw(st.integers(0, int(plan.deductible.individual * 100))) / Decimal(100)
    oop_max = plan.out_of_pocket_max.individual if plan.out_of_pocket_max else Decimal(5000)
    oop = max(ded, draw(st.integers(0, int(oop_max * 100))) / Decimal(100))
    limit_paid = {g: draw(st.integers(0, int(v * 100))) / Decimal(100) for g, v in plan.limits.sub_limits.items()}
    return Accumulators(
        year=2026,
        deductible_met=ded,
        family_deductible_met=ded,
        oop_used=oop,
        family_oop_used=oop,
        plan_paid=sum(limit_paid.values(), ZERO),
        limit_paid=limit_paid,
        service_counts={"dental_cleaning": draw(st.integers(0, 3))},
    )


@st.composite
def cases(draw: Any) -> tuple[Extraction, Member, str, Accumulators]:
    plan_id = draw(st.sampled_from(sorted(PLANS)))
    member = Member(
        member_id="M-1",
        plan_id=plan_id,
        coverage_start=draw(st.sampled_from([dt.date(2024, 1, 1), dt.date(2026, 1, 1), dt.date(2026, 5, 1)])),
        coverage_end=draw(st.sampled_from([None, None, dt.date(2026, 5, 31)])),
    )
    return claim_from_spec(draw(claims())), member, plan_id, draw(accumulators(plan_id))


def _limit_remaining(plan_id: str, acc: Accumulators) -> dict[str, Decimal]:
    plan = PLANS[plan_id]
    return {g: v - acc.limit_paid.get(g, ZERO) for g, v in plan.limits.sub_limits.items()}


PROPS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPS
@given(cases())
def test_money_is_never_negative_never_above_billed_and_adds_up(case: Any) -> None:
    x, member, plan_id, acc = case
    d = adjudicate(x, member, PLANS[plan_id], acc, [], today=TODAY)
    assert ZERO <= d.payable <= max(d.billed, ZERO)
    assert d.member_responsibility >= ZERO
    assert d.member_responsibility + d.payable == d.allowed
    if d.outcome in (Outcome.DENIED, Outcome.PENDING_REVIEW):
        assert d.payable == ZERO
    for line in d.lines:
        assert ZERO <= line.payable <= max(line.billed, ZERO)
        assert line.allowed <= max(line.billed, ZERO)
        assert line.member_responsibility + line.payable == line.allowed
        if line.status is LineStatus.DENIED:
            assert line.payable == ZERO
        priced = line.status is LineStatus.PAID or (line.status is LineStatus.PENDING and line.allowed > 0)
        if priced and d.outcome is not Outcome.DENIED:
            mine = [r for r in d.reasons if r.line == line.index and r.amount is not None]
            assert sum((r.amount for r in mine if r.group == "PR"), ZERO) == line.member_responsibility
            assert sum((r.amount for r in mine if r.group == "CO"), ZERO) == line.billed - line.allowed


@PROPS
@given(cases())
def test_payable_never_exceeds_a_remaining_limit(case: Any) -> None:
    x, member, plan_id, acc = case
    plan = PLANS[plan_id]
    d = adjudicate(x, member, plan, acc, [], today=TODAY)
    remaining = _limit_remaining(plan_id, acc)
    by_group: dict[str, Decimal] = {}
    for line in d.lines:
        cat = plan.categories[plan.compiled.category_index[line.category]] if line.category else None
        if cat is not None and cat.limit_group:
            by_group[cat.limit_group] = by_group.get(cat.limit_group, ZERO) + line.payable
    for group, paid in by_group.items():
        if group in remaining:
            assert paid <= remaining[group]
    if plan.limits.per_claim is not None:
        assert d.payable <= plan.limits.per_claim
    if plan.limits.annual is not None:
        assert d.payable <= plan.limits.annual - acc.plan_paid


@PROPS
@given(cases())
def test_same_inputs_give_identical_canonical_bytes(case: Any) -> None:
    x, member, plan_id, acc = case
    a = adjudicate(x, member, PLANS[plan_id], acc, [], today=TODAY)
    again = Extraction.model_validate(x.to_json_dict())  # a fresh copy through the wire form
    b = adjudicate(again, member, PLANS[plan_id], acc, [], today=TODAY)
    assert a.canonical_bytes() == b.canonical_bytes()
    # and the decision survives a round trip through its JSON (what the database stores)
    assert Decision.model_validate(a.to_json_dict()).canonical_bytes() == a.canonical_bytes()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(PLANS)), st.lists(claims(), min_size=2, max_size=8))
def test_deductible_and_out_of_pocket_never_over_applied_across_a_year(plan_id: str, specs: list[Any]) -> None:
    """Claims decided one after another, accumulators summed from the decisions as db/members.py does."""
    plan = PLANS[plan_id]
    member = Member(member_id="M-1", plan_id=plan_id, coverage_start=dt.date(2024, 1, 1))
    ded = oop = paid = ZERO
    limit_paid: dict[str, Decimal] = {}
    counts: dict[str, int] = {}
    for i, spec in enumerate(specs):
        spec = {**spec, "sha": f"claim-{i}", "member_id_confidence": None, "date_confidence": None,
                "total_confidence": None}  # fmt: skip
        acc = Accumulators(year=2026, deductible_met=ded, family_deductible_met=ded, oop_used=oop,
                           family_oop_used=oop, plan_paid=paid, limit_paid=limit_paid, service_counts=counts)  # fmt: skip
        d = adjudicate(claim_from_spec(spec), member, plan, acc, [], today=TODAY)
        if d.outcome in (Outcome.APPROVED, Outcome.PARTIALLY_APPROVED):
            ded += d.deductible_applied
            oop += d.oop_applied
            paid += d.payable
            for g, v in d.limit_paid.items():
                limit_paid[g] = limit_paid.get(g, ZERO) + v
            for c, n in d.service_counts.items():
                counts[c] = counts.get(c, 0) + n
        assert ded <= plan.deductible.individual
        if plan.out_of_pocket_max is not None:
            assert oop <= plan.out_of_pocket_max.individual
        for g, v in limit_paid.items():
            assert v <= plan.limits.sub_limits.get(g, v)


@PROPS
@given(cases())
def test_never_denied_on_a_guess(case: Any) -> None:
    """With the member id read at low confidence, no claim is denied except an exact duplicate document."""
    x, member, plan_id, acc = case
    low = Extraction.model_validate(
        {**x.to_json_dict(), "fields": {"patient.member_id": {"page": 1, "bbox": [0, 0, 1, 1], "confidence": 0.4}}}
    )
    history = [ClaimHistoryEntry(document_sha256="0" * 64)]
    for m in (member, None):
        d = adjudicate(low, m, PLANS[plan_id], acc, history, today=TODAY)
        assert d.outcome is not Outcome.DENIED, [r.label for r in d.reasons]
        assert all(line.status is not LineStatus.DENIED for line in d.lines)
