"""The review workflow (flows/review.py) on SQLite and PostgreSQL: approve, deny, adjust, correct, reopen, four-eyes,
leases; accumulators follow the final decisions; the machine's decision is kept; the audit log verifies and holds no
PHI after every step."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from claimflow.errors import (
    FourEyesError,
    LeaseHeldError,
    NotFoundError,
    NotReviewableError,
    ReviewInputError,
    StaleProposalError,
)
from claimflow.model import Extraction, Member
from claimflow.model.review import Adjust, Approve, Deny, LineAdjustment
from db.members import upsert_members
from db.models import DecisionRow, ExtractionRow
from db.engine import transaction
from flows import review
from flows import stages
from review_helpers import REPO_SAMPLES, TENANT, Desk, make_desk

ALICE, BOB, CAROL = "cli:alice", "key:7f3a", "cli:carol"


@pytest.fixture
def desk(any_engine: Engine, tmp_path: Path) -> Desk:
    return make_desk(any_engine, tmp_path)


def _rows(desk: Desk, claim_id: str) -> list[DecisionRow]:
    with desk.ctx.sessions() as s:
        return list(s.scalars(select(DecisionRow).where(DecisionRow.claim_id == claim_id).order_by(DecisionRow.id)))


def test_approve_pays_the_proposal_keeps_the_machine_decision_and_moves_accumulators(desk: Desk) -> None:
    claim = desk.pend({"lines": ["72148 420.00", "99213 105.00"], "total_confidence": 0.5})
    before = review.show(desk.ctx, claim)
    assert before.status == "pending_review" and before.machine_decision is not None
    assert before.machine_decision.outcome.value == "PENDING_REVIEW" and before.machine_decision.review_queue == "data_entry"
    assert [i.claim_id for i in review.list_queue(desk.ctx, queue="data_entry")] == [claim]
    assert desk.accumulators().deductible_met == Decimal("0.00")  # a pended claim moves nothing

    out = review.decide(desk.ctx, claim, reviewer=ALICE, action=Approve(note="checked the total on the scan"))

    assert out.final and out.status == "approved" and out.action == "approve"
    assert out.decision.outcome.value == "APPROVED" and out.decision.payable == before.machine_decision.proposed_payable
    assert out.previous_decision_digest == _rows(desk, claim)[0].digest
    machine, person = _rows(desk, claim)
    assert (machine.kind, machine.decided_by, machine.outcome) == ("machine", "claimflow/rules", "PENDING_REVIEW")
    assert (person.kind, person.action, person.decided_by, person.note) == ("review", "approve", ALICE,
                                                                           "checked the total on the scan")
    assert person.supersedes_id == machine.id and person.created_at is not None
    acc = desk.accumulators()
    assert acc.deductible_met == out.decision.deductible_applied == Decimal("420.00")
    assert acc.plan_paid == out.decision.payable
    shown = review.show(desk.ctx, claim)
    assert shown.machine_decision == before.machine_decision and shown.decision == out.decision
    assert [(r.kind, r.action) for r in shown.history] == [("machine", None), ("review", "approve")]
    assert review.list_queue(desk.ctx) == []
    reviewed = [e for e in desk.entries() if e["type"] == "claim.reviewed"]
    assert len(reviewed) == 1 and reviewed[0]["actor"] == ALICE and reviewed[0]["data"]["decision_digest"] == out.decision_digest
    desk.assert_audit_verifies("checked the total on the scan")  # the note is digested, never logged


def test_deny_with_a_carc_code(desk: Desk) -> None:
    claim = desk.pend({"lines": ["99213 105.00"], "total_confidence": 0.4})
    with pytest.raises(ReviewInputError, match="not a denial reason"):
        review.decide(desk.ctx, claim, reviewer=ALICE, action=Deny(carc="45"))
    with pytest.raises(ReviewInputError):
        review.decide(desk.ctx, claim, reviewer=ALICE, action=Deny(carc="XX-96"))

    out = review.decide(desk.ctx, claim, reviewer=ALICE, action=Deny(carc="PR-96", note="cosmetic"))

    assert out.status == "denied" and out.decision.outcome.value == "DENIED" and out.decision.payable == 0
    assert [r.label for r in out.decision.reasons] == ["PR-96"]
    assert all(ln.status.value == "DENIED" for ln in out.decision.lines)
    assert desk.accumulators().oop_used == Decimal("0.00")
    entry = [e for e in desk.entries() if e["type"] == "claim.reviewed"][-1]["data"]
    assert entry["action"] == "deny" and entry["reason_codes"] == ["PR-96"] and entry["outcome"] == "DENIED"
    with pytest.raises(NotReviewableError):  # decided: reopen first
        review.decide(desk.ctx, claim, reviewer=ALICE, action=Approve())
    desk.assert_audit_verifies("cosmetic")


def test_adjust_an_allowed_amount_and_a_missing_code(desk: Desk) -> None:
    # line 1 has no procedure code: the machine sends the claim to coding review
    claim = desk.pend({"lines": ["72148 420.00", "- 105.00"]})
    assert review.show(desk.ctx, claim).machine_decision.review_queue == "coding"  # type: ignore[union-attr]
    with pytest.raises(ReviewInputError, match="not a benefit the plan can price"):
        review.decide(desk.ctx, claim, reviewer=ALICE, action=Approve())
    with pytest.raises(ReviewInputError, match="above what was billed"):
        review.decide(desk.ctx, claim, reviewer=ALICE,
                      action=Adjust(lines=[LineAdjustment(line=0, allowed=Decimal("500.00"))]))  # fmt: skip
    with pytest.raises(ReviewInputError, match="no line 5"):
        review.decide(desk.ctx, claim, reviewer=ALICE, action=Adjust(lines=[LineAdjustment(line=5, code="99213")]))
    with pytest.raises(ReviewInputError, match="not a CPT"):
        review.decide(desk.ctx, claim, reviewer=ALICE, action=Adjust(lines=[LineAdjustment(line=1, code="hello")]))

    out = review.decide(desk.ctx, claim, reviewer=ALICE, action=Adjust(lines=[
        LineAdjustment(line=0, allowed=Decimal("300.00")), LineAdjustment(line=1, code="99213"),
    ]))  # fmt: skip

    mri, visit = out.decision.lines
    assert mri.allowed == Decimal("300.00") and mri.deductible == Decimal("300.00") and mri.payable == 0
    assert any(r.code == "45" and r.line == 0 and "reviewer allowed" in r.message for r in out.decision.reasons)
    assert visit.code == "99213" and visit.category == "office_visit" and visit.copay == Decimal("25.00")
    assert out.decision.payable == Decimal("80.00") and out.status == "approved"
    assert desk.accumulators().deductible_met == Decimal("300.00")  # what the reviewer allowed, not the $420 billed
    person = _rows(desk, claim)[-1]
    assert person.changes == {"action": {"kind": "adjust", "lines": [
        {"line": 0, "allowed": "300.00", "code": None}, {"line": 1, "allowed": None, "code": "99213"}]}}
    desk.assert_audit_verifies()


def test_correct_a_field_and_the_claim_is_adjudicated_again(desk: Desk) -> None:
    claim = desk.pend({"lines": ["99213 105.00"], "total": "150.00"})  # total != lines: data entry
    assert review.show(desk.ctx, claim).machine_decision.review_queue == "data_entry"  # type: ignore[union-attr]
    with pytest.raises(ReviewInputError, match="not a field that can be corrected"):
        review.correct(desk.ctx, claim, reviewer=ALICE, field="patient.name", value="Someone")
    with pytest.raises(ReviewInputError, match="not an amount"):
        review.correct(desk.ctx, claim, reviewer=ALICE, field="total", value="a lot")

    out = review.correct(desk.ctx, claim, reviewer=ALICE, field="total", value="105.00")

    assert out.action == "correct" and out.status == "approved" and out.decision.payable == Decimal("80.00")
    with desk.ctx.sessions() as s:
        extractions = s.scalars(select(ExtractionRow).where(ExtractionRow.claim_id == claim).order_by(ExtractionRow.id)).all()
    assert len(extractions) == 2 and extractions[1].digest == out.extraction_digest
    old, new = (Extraction.model_validate(e.extraction) for e in extractions)
    assert old.total == Decimal("150.00") and new.total == Decimal("105.00")
    assert new.checks.total_matches_line_items is True and "corrected by a reviewer: total" in new.warnings
    rows = _rows(desk, claim)
    assert [(r.kind, r.outcome) for r in rows] == [("machine", "PENDING_REVIEW"), ("machine", "APPROVED")]
    assert rows[1].extraction_id == extractions[1].id and rows[1].changes == {"corrected": "total", "corrected_by": ALICE}
    types = [e["type"] for e in desk.entries()]
    assert types[-2:] == ["claim.corrected", "claim.adjudicated"]
    corrected = desk.entries()[-2]
    assert corrected["actor"] == ALICE and corrected["data"]["field"] == "total"
    assert "105.00" not in json.dumps(corrected["data"])  # the field's path, never its value
    assert desk.accumulators().plan_paid == Decimal("80.00")
    desk.assert_audit_verifies()


def test_a_correction_that_still_pends_leaves_the_lease_with_the_reviewer(desk: Desk) -> None:
    claim = desk.pend({"lines": ["99213 105.00"], "total": "150.00", "member_id_confidence": 0.3})
    out = review.correct(desk.ctx, claim, reviewer=ALICE, field="total", value="105.00")
    assert out.status == "pending_review"  # the member id is still uncertain
    lease = review.show(desk.ctx, claim).lease
    assert lease is not None and lease.reviewer == ALICE
    with pytest.raises(LeaseHeldError):
        review.decide(desk.ctx, claim, reviewer=BOB, action=Approve())
    assert review.correct(desk.ctx, claim, reviewer=ALICE, field="member_id", value="G-1").status == "approved"
    assert review.show(desk.ctx, claim).lease is None


def test_a_real_document_corrected_field_by_field_and_no_phi_in_the_log(desk: Desk) -> None:
    x = Extraction.model_validate_json((REPO_SAMPLES / "clinic-mismatch.truth.json").read_text())
    member = x.patient.member_id
    assert member and x.patient.name
    with transaction(desk.ctx.sessions) as s:
        upsert_members(session=s, members=[Member(member_id=member, tenant=TENANT, plan_id="SILVER-HMO",
                                                  coverage_start=x.service_dates[0].replace(year=2020))])  # fmt: skip
    desk.ctx = stages.Context(**{**desk.ctx.__dict__, "received_on": x.service_dates[0] + dt.timedelta(days=20)})
    claim = desk.pend(x)
    assert review.show(desk.ctx, claim).status == "pending_review"
    review.correct(desk.ctx, claim, reviewer=ALICE, field="total", value=str(x.line_items[0].amount))
    review.correct(desk.ctx, claim, reviewer=ALICE, field="currency", value="USD")
    shown = review.show(desk.ctx, claim)
    if shown.status == "pending_review":
        review.decide(desk.ctx, claim, reviewer=ALICE, action=Approve())
    final = review.show(desk.ctx, claim)
    assert final.status in ("approved", "partially_approved") and final.extraction is not None
    assert final.extraction.total == x.line_items[0].amount and final.extraction.currency == "USD"
    desk.assert_audit_verifies(x.patient.name, member, x.provider.name or "-", x.document.file,
                               *(d.description for d in x.diagnoses if d.description))  # fmt: skip


def test_reopen_a_decided_claim(desk: Desk) -> None:
    claim = desk.pend({"lines": ["72148 420.00"], "total_confidence": 0.5})
    review.decide(desk.ctx, claim, reviewer=ALICE, action=Approve())
    assert desk.accumulators().deductible_met == Decimal("420.00")
    with pytest.raises(ReviewInputError, match="reason"):
        review.reopen(desk.ctx, claim, reviewer=BOB, reason="  ")

    out = review.reopen(desk.ctx, claim, reviewer=BOB, reason="provider appealed")

    assert out.status == "pending_review" and out.decision.outcome.value == "PENDING_REVIEW"
    assert out.decision.review_queue == "claims_examiner" and out.decision.proposed_payable == Decimal("0.00")
    assert desk.accumulators().deductible_met == Decimal("0.00")  # what it applied no longer counts
    assert review.show(desk.ctx, claim).lease.reviewer == BOB  # type: ignore[union-attr]
    with pytest.raises(NotReviewableError):
        review.reopen(desk.ctx, claim, reviewer=BOB, reason="again")
    again = review.decide(desk.ctx, claim, reviewer=BOB, action=Deny(carc="96"))
    assert again.status == "denied" and desk.accumulators().deductible_met == Decimal("0.00")
    assert [(r.kind, r.action, r.outcome) for r in review.show(desk.ctx, claim).history] == [
        ("machine", None, "PENDING_REVIEW"), ("review", "approve", "APPROVED"),
        ("review", "reopen", "PENDING_REVIEW"), ("review", "deny", "DENIED")]
    reopened = [e for e in desk.entries() if e["type"] == "claim.reopened"]
    assert len(reopened) == 1 and reopened[0]["actor"] == BOB
    desk.assert_audit_verifies("provider appealed")


def test_four_eyes_above_the_threshold(any_engine: Engine, tmp_path: Path) -> None:
    desk = make_desk(any_engine, tmp_path, four_eyes_above="50.00")
    small = desk.pend({"lines": ["99211 40.00"], "total_confidence": 0.5})
    assert review.decide(desk.ctx, small, reviewer=ALICE, action=Approve()).final  # pays ≤ 50: no second reviewer
    claim = desk.pend({"lines": ["99213 105.00"], "total_confidence": 0.5}, submitted_by=CAROL)

    proposed = review.decide(desk.ctx, claim, reviewer=ALICE, action=Approve())

    assert not proposed.final and proposed.status == "awaiting_confirmation" and proposed.decision.payable == Decimal("80.00")
    paid_before = desk.accumulators().plan_paid
    assert paid_before == Decimal(small and review.show(desk.ctx, small).decision.payable)  # type: ignore[union-attr]
    [item] = review.list_queue(desk.ctx, queue="four_eyes")
    assert item.claim_id == claim and item.proposed_by == ALICE and item.proposed_payable == Decimal("80.00")
    shown = review.show(desk.ctx, claim)
    assert shown.proposal is not None and shown.proposed_by == ALICE and shown.decision.outcome.value == "PENDING_REVIEW"  # type: ignore[union-attr]
    with pytest.raises(FourEyesError) as own:
        review.confirm(desk.ctx, claim, reviewer=ALICE)
    assert own.value.http_status == 403
    with pytest.raises(FourEyesError, match="submitted"):
        review.confirm(desk.ctx, claim, reviewer=CAROL)
    with pytest.raises(NotReviewableError):
        review.confirm(desk.ctx, small, reviewer=BOB)

    confirmed = review.confirm(desk.ctx, claim, reviewer=BOB)

    assert confirmed.final and confirmed.status == "approved" and confirmed.decision == proposed.decision
    assert desk.accumulators().plan_paid == paid_before + Decimal("80.00")
    rows = _rows(desk, claim)
    assert [(r.decided_by, r.action, r.final) for r in rows] == [
        ("claimflow/rules", None, True), (ALICE, "approve", False), (BOB, "confirm", True)]
    assert rows[2].changes == {"confirms": rows[1].id, "proposed_by": ALICE}
    finals = [e["data"]["final"] for e in desk.entries() if e["type"] == "claim.reviewed"]
    assert finals == [True, False, True]
    desk.assert_audit_verifies()


def test_four_eyes_applies_to_a_correction_and_a_stale_proposal_is_refused(any_engine: Engine, tmp_path: Path) -> None:
    desk = make_desk(any_engine, tmp_path, four_eyes_above="50.00")
    claim = desk.pend({"lines": ["72148 420.00", "99213 105.00"], "total": "600.00"})
    out = review.correct(desk.ctx, claim, reviewer=ALICE, field="total", value="525.00")
    assert out.status == "awaiting_confirmation" and not out.final
    with pytest.raises(FourEyesError):
        review.confirm(desk.ctx, claim, reviewer=ALICE)  # the corrector proposed it
    # meanwhile another claim of the member uses up part of the deductible: the proposal no longer prices the same
    other = desk.pend({"lines": ["72148 420.00"], "total_confidence": 0.5})
    review.decide(desk.ctx, other, reviewer=CAROL, action=Approve())
    with pytest.raises(StaleProposalError):
        review.confirm(desk.ctx, claim, reviewer=BOB)
    assert review.show(desk.ctx, claim).status == "awaiting_confirmation"
    again = review.decide(desk.ctx, claim, reviewer=ALICE, action=Approve())
    assert not again.final
    confirmed = review.confirm(desk.ctx, claim, reviewer=BOB)
    assert confirmed.final and confirmed.decision.deductible_applied == Decimal("80.00")
    assert desk.accumulators().deductible_met == Decimal("500.00")  # never applied twice
    desk.assert_audit_verifies()


def test_leases_are_held_seen_and_expire(any_engine: Engine, tmp_path: Path) -> None:
    desk = make_desk(any_engine, tmp_path, lease_seconds=600)
    claim = desk.pend({"lines": ["99213 105.00"], "total_confidence": 0.5})

    lease = review.take_lease(desk.ctx, claim, reviewer=ALICE)

    assert lease.reviewer == ALICE and (lease.expires_at - lease.taken_at).total_seconds() == 600
    [item] = review.list_queue(desk.ctx)
    assert item.lease == lease
    with pytest.raises(LeaseHeldError) as held:
        review.take_lease(desk.ctx, claim, reviewer=BOB)
    assert held.value.http_status == 409 and held.value.holder == ALICE
    for step in (lambda: review.decide(desk.ctx, claim, reviewer=BOB, action=Approve()),
                 lambda: review.correct(desk.ctx, claim, reviewer=BOB, field="total", value="105.00"),
                 lambda: review.release_lease(desk.ctx, claim, reviewer=BOB)):  # fmt: skip
        with pytest.raises(LeaseHeldError):
            step()
    desk.clock.advance(300)
    renewed = review.take_lease(desk.ctx, claim, reviewer=ALICE)  # renewing keeps when it was taken
    assert renewed.taken_at == lease.taken_at and renewed.expires_at == desk.clock.now + (lease.expires_at - lease.taken_at)

    desk.clock.advance(601)  # expired: anyone may act, and deciding takes it implicitly
    assert review.show(desk.ctx, claim).lease is None
    out = review.decide(desk.ctx, claim, reviewer=BOB, action=Approve())
    assert out.status == "approved" and review.show(desk.ctx, claim).lease is None
    types = [e["type"] for e in desk.entries()]
    assert types.count("claim.lease_taken") == 2

    other = desk.pend({"lines": ["99213 105.00"], "total_confidence": 0.5})
    review.take_lease(desk.ctx, other, reviewer=ALICE)
    review.release_lease(desk.ctx, other, reviewer=ALICE)
    review.release_lease(desk.ctx, other, reviewer=ALICE)  # nothing held: nothing to do
    assert review.take_lease(desk.ctx, other, reviewer=BOB).reviewer == BOB
    assert [e["type"] for e in desk.entries()].count("claim.lease_released") == 1
    desk.assert_audit_verifies()


def test_another_tenants_claim_is_not_found(desk: Desk) -> None:
    claim = desk.pend({"lines": ["99213 105.00"], "total_confidence": 0.5})
    other = stages.Context(**{**desk.ctx.__dict__, "tenant": "globex"})
    calls = [
        lambda: review.show(other, claim),
        lambda: review.take_lease(other, claim, reviewer=ALICE),
        lambda: review.release_lease(other, claim, reviewer=ALICE),
        lambda: review.decide(other, claim, reviewer=ALICE, action=Approve()),
        lambda: review.correct(other, claim, reviewer=ALICE, field="total", value="1.00"),
        lambda: review.confirm(other, claim, reviewer=ALICE),
        lambda: review.reopen(other, claim, reviewer=ALICE, reason="x"),
        lambda: review.show(desk.ctx, "no-such-claim"),
    ]
    for call in calls:
        with pytest.raises(NotFoundError) as e:
            call()
        assert e.value.http_status == 404
    assert review.list_queue(other) == []


def test_accumulators_equal_what_the_final_decisions_say(desk: Desk) -> None:
    a = desk.pend({"lines": ["72148 420.00"], "total_confidence": 0.5})
    b = desk.pend({"lines": ["72148 420.00", "80053 60.00"], "total_confidence": 0.5})
    c = desk.pend({"lines": ["99213 105.00"], "total_confidence": 0.5})
    review.decide(desk.ctx, a, reviewer=ALICE, action=Approve())
    review.decide(desk.ctx, b, reviewer=ALICE, action=Adjust(lines=[LineAdjustment(line=0, allowed=Decimal("200.00"))]))
    review.decide(desk.ctx, c, reviewer=BOB, action=Approve())
    review.reopen(desk.ctx, a, reviewer=BOB, reason="duplicate of another bill")
    review.decide(desk.ctx, a, reviewer=BOB, action=Deny(carc="18"))
    finals = [review.show(desk.ctx, cid).decision for cid in (a, b, c)]
    acc = desk.accumulators()
    assert acc.deductible_met == sum((d.deductible_applied for d in finals), Decimal("0.00"))  # type: ignore[union-attr]
    assert acc.oop_used == sum((d.oop_applied for d in finals), Decimal("0.00"))  # type: ignore[union-attr]
    assert acc.plan_paid == sum((d.payable for d in finals), Decimal("0.00"))  # type: ignore[union-attr]
    # b was priced while a's $420 counted (only $80 of deductible left); a denied later takes its $420 out, and b's
    # decision stands as it was made
    assert acc.deductible_met == Decimal("80.00")
    with desk.ctx.sessions() as s:
        assert s.scalar(select(func.count()).select_from(DecisionRow)) == 3 + 5
    desk.assert_audit_verifies()


def test_approve_needs_a_known_member_and_confirms_values_read(desk: Desk) -> None:
    unknown = desk.pend({"member_id": "NOBODY-9", "member_id_confidence": 0.3, "lines": ["99213 105.00"]})
    assert review.show(desk.ctx, unknown).status == "pending_review"
    with pytest.raises(NotReviewableError, match="matches no member"):
        review.decide(desk.ctx, unknown, reviewer=ALICE, action=Approve())
    # a denial that waited on a low-confidence diagnosis applies once a person confirms the values as read
    guess = desk.pend({"lines": ["15780 900.00"], "diagnoses": ["Z41.1@0.5"]})
    machine = review.show(desk.ctx, guess).machine_decision
    assert machine is not None and machine.outcome.value == "PENDING_REVIEW"
    out = review.decide(desk.ctx, guess, reviewer=ALICE, action=Approve())
    assert out.decision.outcome.value == "DENIED" and out.decision.payable == 0


def test_bad_reviewer_ids_and_limits_are_refused(desk: Desk) -> None:
    claim = desk.pend({"lines": ["99213 105.00"], "total_confidence": 0.5})
    for bad in ("", "two words", "x" * 201):
        with pytest.raises(ReviewInputError):
            review.take_lease(desk.ctx, claim, reviewer=bad)
    with pytest.raises(ReviewInputError):
        review.list_queue(desk.ctx, limit=0)
    with pytest.raises(ReviewInputError, match="no review queue"):
        review.list_queue(desk.ctx, queue="nobody")


def _race(*calls: Callable[[], object]) -> list[object]:
    """Run the calls at the same moment on threads; each result is its return value or the exception it raised."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = calls[i]()
        except Exception as e:  # noqa: BLE001 - the race's loser raises; the test asserts which
            results[i] = e

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_two_reviewers_racing_for_a_lease_one_wins(desk: Desk) -> None:
    claim = desk.pend({"lines": ["99213 105.00"], "total_confidence": 0.5})
    results = _race(lambda: review.take_lease(desk.ctx, claim, reviewer=ALICE),
                    lambda: review.take_lease(desk.ctx, claim, reviewer=BOB))  # fmt: skip
    assert sorted(type(r).__name__ for r in results) == ["Lease", "LeaseHeldError"]


def test_two_claims_of_a_member_approved_at_once_apply_the_deductible_once(desk: Desk) -> None:
    a = desk.pend({"lines": ["72148 420.00"], "total_confidence": 0.5})
    b = desk.pend({"lines": ["72148 420.00"], "total_confidence": 0.5})
    results = _race(lambda: review.decide(desk.ctx, a, reviewer=ALICE, action=Approve()),
                    lambda: review.decide(desk.ctx, b, reviewer=BOB, action=Approve()))  # fmt: skip
    assert all(getattr(r, "final", False) for r in results), results
    assert sorted(r.decision.deductible_applied for r in results) == [Decimal("80.00"), Decimal("420.00")]  # type: ignore[union-attr]
    assert desk.accumulators().deductible_met == Decimal("500.00")
    desk.assert_audit_verifies()


def test_a_correction_and_an_approval_of_one_member_at_once_neither_deadlocks_nor_double_counts(desk: Desk) -> None:
    a = desk.pend({"lines": ["72148 420.00"], "total": "400.00"})
    b = desk.pend({"lines": ["70553 900.00"], "total_confidence": 0.5, "dates": [dt.date(2026, 4, 20)]})
    for _ in range(3):  # locks are taken in one order by every step (claim, member, audit log): no cycle to wait in
        results = _race(lambda: review.correct(desk.ctx, a, reviewer=ALICE, field="total", value="420.00"),
                        lambda: review.decide(desk.ctx, b, reviewer=BOB, action=Approve()))  # fmt: skip
        assert [getattr(r, "status", r) for r in results] == ["approved", "approved"]
        assert desk.accumulators().deductible_met == Decimal("500.00")
        review.reopen(desk.ctx, a, reviewer=ALICE, reason="again")
        review.correct(desk.ctx, a, reviewer=ALICE, field="total", value="400.00")
        review.reopen(desk.ctx, b, reviewer=BOB, reason="again")
    desk.assert_audit_verifies()


def test_decision_rows_written_without_the_review_columns_are_final_machine_decisions(desk: Desk) -> None:
    """Migration 0006's server defaults: rows written as before it (the pipeline of other deployments, old rows)."""
    from sqlalchemy import text

    claim = desk.pend({"lines": ["99213 105.00"], "total_confidence": 0.5})
    [machine] = _rows(desk, claim)
    with desk.engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO decisions (claim_id, tenant, member_id, outcome, billed, payable, member_responsibility, "
            "service_date, plan_id, plan_version, decision, digest, decided_by, created_at) SELECT claim_id, tenant, "
            "member_id, outcome, billed, payable, member_responsibility, service_date, plan_id, plan_version, decision, "
            "digest, 'legacy', created_at FROM decisions WHERE id = :id"), {"id": machine.id})  # fmt: skip
    legacy = _rows(desk, claim)[-1]
    assert (legacy.decided_by, legacy.kind, legacy.final, legacy.action) == ("legacy", "machine", True, None)
    assert review.decide(desk.ctx, claim, reviewer=ALICE, action=Approve()).status == "approved"
