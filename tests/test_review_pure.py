"""The pure parts of the review workflow: corrections of an extraction (claimflow/model/correction.py), a person's
decision in the engine and the deny/reopen transforms (rules/review.py), the review action models."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from pydantic import TypeAdapter, ValidationError

from claimflow.model.accumulators import Accumulators
from claimflow.model.correction import CorrectionError, correct
from claimflow.model.decision import Decision, Outcome
from claimflow.model.member import Member
from claimflow.model.review import Adjust, Approve, Deny, ReviewAction
from rules import adjudicate, load_plans
from rules import review as rules_review
from rules.claimspec import claim_from_spec

PLANS = load_plans()
MEMBER = Member(member_id="G-1", plan_id="GOLD-PPO", coverage_start=dt.date(2025, 1, 1))
TODAY = dt.date(2026, 6, 1)


def _x(**spec: object):  # type: ignore[no-untyped-def]
    return claim_from_spec({"member_id": "G-1", "dates": [dt.date(2026, 3, 2)], "provider": {"npi": "1234567893"},
                            "sha": "pure", **spec})  # fmt: skip


def _decide(x, **kw: object) -> Decision:  # type: ignore[no-untyped-def]
    return adjudicate(x, MEMBER, PLANS["GOLD-PPO"], Accumulators(year=2026), [], today=TODAY, **kw)  # type: ignore[arg-type]


def _identities(d: Decision) -> None:
    assert d.member_responsibility + d.payable == d.allowed
    for ln in d.lines:
        assert ln.member_responsibility + ln.payable == ln.allowed


def test_a_corrected_value_counts_as_read_with_certainty() -> None:
    x = _x(lines=["99213 105.00 @0.4", "80053 60.00"], total="170.00", total_confidence=0.5, member_id_confidence=0.6,
           date_confidence=0.5)  # fmt: skip
    fixed, path = correct(x, "total", "165.00")
    assert path == "total" and fixed.total == Decimal("165.00") and fixed.fields["total"].confidence == 1.0
    assert fixed.fields["total"].bbox == x.fields["total"].bbox  # still points at where it was read
    assert fixed.checks.total_matches_line_items is True and fixed.warnings[-1] == "corrected by a reviewer: total"
    member, path = correct(fixed, "member_id", "G-1")
    assert path == "patient.member_id" and member.fields["patient.member_id"].confidence == 1.0
    dates, path = correct(member, "service_date", "2026-03-04, 2026-03-02")
    assert path == "service_dates" and dates.service_dates == [dt.date(2026, 3, 2), dt.date(2026, 3, 4)]
    assert dates.fields["service_dates[0]"].confidence == 1.0
    line, path = correct(dates, "line_items[0].amount", "100.00")
    assert line.line_items[0].amount == Decimal("100.00") and line.line_items[0].evidence.confidence == 1.0  # type: ignore[union-attr]
    assert line.checks.total_matches_line_items is False  # 165.00 printed, 160.00 in the lines
    assert _decide(line).outcome is Outcome.PENDING_REVIEW
    total, _ = correct(line, "total", "160.00")
    assert _decide(total).outcome is Outcome.APPROVED  # nothing uncertain left


def test_line_items_and_diagnoses_are_added_replaced_and_removed() -> None:
    x = _x(lines=["99213 105.00", "80053 60.00 @0.5"], diagnoses=["J06.9", "Z41.1@0.4"],
           fields={"line_items[1].amount": {"page": 1, "bbox": [0, 0, 1, 1], "confidence": 0.5},
                   "diagnoses[1]": {"page": 1, "bbox": [0, 0, 1, 1], "confidence": 0.4}})  # fmt: skip
    added, path = correct(x, "line_items[2]", "- 12.50")
    assert path == "line_items[2]" and added.line_items[2].code is None and added.line_items[2].amount == Decimal("12.50")
    removed, _ = correct(added, "line_items[0]", "")
    assert [li.amount for li in removed.line_items] == [Decimal("60.00"), Decimal("12.50")]
    assert "line_items[0].amount" in removed.fields and "line_items[1].amount" not in removed.fields  # re-keyed
    dx, path = correct(removed, "diagnoses[1].code", "z41.9")
    assert path == "diagnoses[1]" and dx.diagnoses[1].code == "Z41.9" and dx.fields["diagnoses[1]"].confidence == 1.0
    negated, _ = correct(dx, "diagnoses[0].negated", "true")
    assert negated.diagnoses[0].negated
    for field, value, problem in [
        ("patient.name", "X", "not a field"), ("line_items[9]", "- 1.00", "there are 2"),
        ("line_items[0].colour", "red", "unknown attribute"), ("line_items[0]", "99213", "CODE AMOUNT"),
        ("service_dates", "03/02/2026", "ISO date"), ("diagnoses[0]", "not-icd", "does not fit"),
        ("line_items[0].quantity", "-1", "more than 0"), ("provider.npi", "123", "10 digits"),
        ("diagnoses[5]", "", "there are 2"),
    ]:  # fmt: skip
        with pytest.raises(CorrectionError, match=problem):
            correct(x, field, value)


def test_a_person_settles_pends_confirms_guesses_and_overrides_prices() -> None:
    pended = _decide(_x(lines=["72148 420.00", "99213 105.00"], total_confidence=0.5))
    assert pended.outcome is Outcome.PENDING_REVIEW and pended.payable == 0
    approved = _decide(_x(lines=["72148 420.00", "99213 105.00"], total_confidence=0.5), review=rules_review.Overrides())
    assert approved.outcome is Outcome.APPROVED and approved.payable == pended.proposed_payable
    assert approved.deductible_applied == Decimal("420.00") and approved.service_counts == {"imaging": 1, "office_visit": 1}
    assert not [r for r in approved.reasons if r.code == "133"] and approved.review_queue is None
    assert approved.trace[-1]["rule"] == "review.person/v1"
    _identities(approved)
    # a line denial that waited on a low-confidence diagnosis applies once confirmed; an allowed amount overturns it
    guess = _x(lines=["15780 900.00", "99213 105.00"], diagnoses=["Z41.1@0.5"])
    assert _decide(guess).outcome is Outcome.PENDING_REVIEW
    confirmed = _decide(guess, review=rules_review.Overrides())
    assert confirmed.outcome in (Outcome.DENIED, Outcome.PARTIALLY_APPROVED)
    assert confirmed.lines[0].status.value == "DENIED"
    adjusted = _decide(_x(lines=["72148 420.00"]), review=rules_review.Overrides(allowed={0: Decimal("250.00")}))
    assert adjusted.lines[0].allowed == Decimal("250.00") and adjusted.deductible_applied == Decimal("250.00")
    _identities(adjusted)


def test_deny_and_reopen_keep_the_money_identities() -> None:
    approved = _decide(_x(lines=["99213 105.00"]))
    denied = rules_review.deny(approved, group="CO", code="96")
    assert denied.outcome is Outcome.DENIED and denied.payable == 0 and denied.oop_applied == 0
    assert [r.label for r in denied.reasons] == ["CO-96"] and denied.reasons[0].amount == approved.billed
    _identities(denied)
    with pytest.raises(ValueError):
        rules_review.deny(approved, group="CO", code="45")
    reopened = rules_review.reopen(approved)
    assert reopened.outcome is Outcome.PENDING_REVIEW and reopened.review_queue == "claims_examiner"
    assert reopened.proposed_payable == approved.payable and reopened.service_counts == {}
    assert reopened.reasons[0].code == "133" and all(ln.status.value == "PENDING" for ln in reopened.lines)
    assert rules_review.parse_denial(" pr-204 ") == ("PR", "204") and rules_review.parse_denial("96") == ("CO", "96")
    for bad in ("133", "XX-96", "CO-", "1"):
        with pytest.raises(ValueError, match="not a denial reason"):
            rules_review.parse_denial(bad)


def test_review_actions_are_a_tagged_union() -> None:
    adapter = TypeAdapter(ReviewAction)
    assert isinstance(adapter.validate_python({"kind": "approve"}), Approve)
    assert isinstance(adapter.validate_python({"kind": "deny", "carc": "96"}), Deny)
    adjust = adapter.validate_python({"kind": "adjust", "lines": [{"line": 0, "allowed": "12.50"}]})
    assert isinstance(adjust, Adjust) and adjust.lines[0].allowed == Decimal("12.50")
    for bad in ({"kind": "pay"}, {"kind": "adjust", "lines": []}, {"kind": "adjust", "lines": [{"line": 0}]},
                {"kind": "adjust", "lines": [{"line": 0, "code": "99213"}, {"line": 0, "allowed": "1.00"}]},
                {"kind": "adjust", "lines": [{"line": 0, "allowed": 1.5}]}):  # fmt: skip
        with pytest.raises(ValidationError):
            adapter.validate_python(bad)
