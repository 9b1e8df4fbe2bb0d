"""db/members.py: members stored and read back; accumulators and claim history derived from stored decisions."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from decimal import Decimal

from sqlalchemy import Engine

from claimflow.model.decision import Decision, Outcome
from claimflow.model.member import Member, PolicyStatus
from db.engine import session_factory, transaction
from db.members import (
    accumulators,
    claim_history,
    claim_id_for_document,
    get_member,
    list_members,
    upsert_members,
)
from db.models import Claim, DecisionRow, DocumentRow
from rules import adjudicate, load_plans
from rules.claimspec import claim_from_spec

PLANS = load_plans()
TODAY = dt.date(2026, 6, 1)
SUBSCRIBER = Member(member_id="G-1", plan_id="GOLD-PPO", coverage_start=dt.date(2025, 1, 1), name="Pat Doe",
                    date_of_birth=dt.date(1980, 5, 4))  # fmt: skip
SPOUSE = Member(member_id="G-2", plan_id="GOLD-PPO", coverage_start=dt.date(2025, 1, 1), subscriber_id="G-1",
                relationship="spouse")  # fmt: skip


def store(engine: Engine, decision: Decision, *, member_id: str, sha: str, claim_id: str | None = None) -> str:
    """Store a claim and its decision the way the pipeline does (decision JSON in the decisions table)."""
    claim_id = claim_id or str(uuid.uuid4())
    with transaction(session_factory(engine)) as s:
        if s.get(DocumentRow, sha) is None:
            s.add(DocumentRow(sha256=sha, size_bytes=1, media_type="application/pdf", kind="digital_pdf", pages=1,
                              original_name="x.pdf", stored_path="x"))  # fmt: skip
        if s.get(Claim, claim_id) is None:
            s.add(Claim(id=claim_id, tenant="default", source="cli", submitted_by="test", document_sha256=sha,
                        status="decided", member_id=member_id))  # fmt: skip
        s.flush()
        s.add(DecisionRow(claim_id=claim_id, tenant="default", member_id=member_id, outcome=decision.outcome.value,
                          billed=decision.billed, payable=decision.payable,
                          member_responsibility=decision.member_responsibility, service_date=decision.service_date,
                          plan_id=decision.plan_id, plan_version=decision.plan_version,
                          decision=decision.to_json_dict(),
                          digest=hashlib.sha256(decision.canonical_bytes()).hexdigest(), decided_by="test"))  # fmt: skip
    return claim_id


def decide(engine: Engine, member: Member, tag: str, lines: list[str], day: dt.date = dt.date(2026, 3, 2),
           **spec: object) -> tuple[Decision, str]:  # fmt: skip
    sha = hashlib.sha256(tag.encode()).hexdigest()
    with transaction(session_factory(engine)) as s:
        acc = accumulators(session=s, tenant="default", member_id=member.member_id, year=day.year)
        history = claim_history(session=s, tenant="default", member_id=member.member_id)
    x = claim_from_spec({"sha": sha, "member_id": member.member_id, "dates": [day], "lines": lines,
                         "provider": {"npi": "1234567893"}, **spec})  # fmt: skip
    return adjudicate(x, member, PLANS[member.plan_id], acc, history, today=TODAY), sha


def test_members_round_trip_and_update(any_engine: Engine) -> None:
    with transaction(session_factory(any_engine)) as s:
        assert upsert_members(session=s, members=[SUBSCRIBER, SPOUSE]) == 2
    with transaction(session_factory(any_engine)) as s:
        assert get_member(session=s, tenant="default", member_id="G-1") == SUBSCRIBER
        assert get_member(session=s, tenant="default", member_id="nobody") is None
        assert get_member(session=s, tenant="other", member_id="G-1") is None
        upsert_members(session=s, members=[SUBSCRIBER.model_copy(update={"status": PolicyStatus.terminated,
                                                                          "coverage_end": dt.date(2026, 1, 31)})])  # fmt: skip
    with transaction(session_factory(any_engine)) as s:
        m = get_member(session=s, tenant="default", member_id="G-1")
        assert m is not None and m.status is PolicyStatus.terminated and m.coverage_end == dt.date(2026, 1, 31)
        assert [x.member_id for x in list_members(session=s, tenant="default")] == ["G-1", "G-2"]


def test_accumulators_follow_decisions_through_the_year(any_engine: Engine) -> None:
    with transaction(session_factory(any_engine)) as s:
        upsert_members(session=s, members=[SUBSCRIBER, SPOUSE])
    # 1. $420 MRI: all deductible
    d1, sha1 = decide(any_engine, SUBSCRIBER, "mri", ["72148 420.00"])
    assert d1.outcome is Outcome.APPROVED and d1.deductible_applied == Decimal("420.00")
    store(any_engine, d1, member_id="G-1", sha=sha1)
    # 2. another MRI: $80 deductible left, then 20% of $340
    d2, sha2 = decide(any_engine, SUBSCRIBER, "mri-2", ["72148 420.00"], day=dt.date(2026, 3, 20))
    assert d2.deductible_applied == Decimal("80.00") and d2.payable == Decimal("272.00")
    store(any_engine, d2, member_id="G-1", sha=sha2)
    # 3. a pending claim does not move accumulators
    d3, sha3 = decide(any_engine, SUBSCRIBER, "pending", ["- 300.00"], day=dt.date(2026, 4, 1))
    assert d3.outcome is Outcome.PENDING_REVIEW
    store(any_engine, d3, member_id="G-1", sha=sha3)
    # 4. last year's claim does not count this year
    d4, sha4 = decide(any_engine, SUBSCRIBER, "last-year", ["72148 420.00"], day=dt.date(2025, 12, 1))
    store(any_engine, d4, member_id="G-1", sha=sha4)
    # 5. the spouse's lab counts for the family deductible only
    d5, sha5 = decide(any_engine, SPOUSE, "spouse-lab", ["80053 25.00"])
    store(any_engine, d5, member_id="G-2", sha=sha5)
    with transaction(session_factory(any_engine)) as s:
        acc = accumulators(session=s, tenant="default", member_id="G-1", year=2026)
        spouse = accumulators(session=s, tenant="default", member_id="G-2", year=2026)
    assert acc.deductible_met == Decimal("500.00")
    assert acc.family_deductible_met == Decimal("525.00")
    assert acc.oop_used == Decimal("568.00")  # 500 deductible + 68 co-insurance
    assert acc.plan_paid == Decimal("272.00")
    assert acc.service_counts == {"imaging": 2}
    assert spouse.deductible_met == Decimal("25.00") and spouse.family_deductible_met == Decimal("525.00")
    # the next MRI sees the deductible met: never applied twice
    d6, _ = decide(any_engine, SUBSCRIBER, "mri-3", ["72148 420.00"], day=dt.date(2026, 5, 2))
    assert d6.deductible_applied == Decimal("0.00") and d6.payable == Decimal("336.00")


def test_a_claim_decided_again_counts_once_by_its_latest_decision(any_engine: Engine) -> None:
    with transaction(session_factory(any_engine)) as s:
        upsert_members(session=s, members=[SUBSCRIBER])
    d, sha = decide(any_engine, SUBSCRIBER, "mri", ["72148 420.00"])
    claim = store(any_engine, d, member_id="G-1", sha=sha)
    store(any_engine, d, member_id="G-1", sha=sha, claim_id=claim)  # re-decided, same result
    with transaction(session_factory(any_engine)) as s:
        acc = accumulators(session=s, tenant="default", member_id="G-1", year=2026)
        excluded = accumulators(session=s, tenant="default", member_id="G-1", year=2026, exclude_claim_id=claim)
    assert acc.deductible_met == Decimal("420.00")
    assert excluded.deductible_met == Decimal("0.00")


def test_claim_history_feeds_duplicate_detection(any_engine: Engine) -> None:
    with transaction(session_factory(any_engine)) as s:
        upsert_members(session=s, members=[SUBSCRIBER])
    d, sha = decide(any_engine, SUBSCRIBER, "visit", ["99213 105.00"])
    claim = store(any_engine, d, member_id="G-1", sha=sha)
    with transaction(session_factory(any_engine)) as s:
        [entry] = claim_history(session=s, tenant="default", member_id="G-1")
        assert claim_id_for_document(session=s, tenant="default", sha256=sha) == claim
        assert claim_id_for_document(session=s, tenant="other", sha256=sha) is None
        assert claim_history(session=s, tenant="default", member_id="G-1", exclude_claim_id=claim) == []
    assert entry.document_sha256 == sha and entry.claim_id == claim
    assert entry.provider == "npi:1234567893" and entry.amount == Decimal("105.00")
    assert entry.service_date == dt.date(2026, 3, 2) and entry.outcome == "APPROVED"
    again, _ = decide(any_engine, SUBSCRIBER, "visit", ["99213 105.00"])
    assert again.outcome is Outcome.DENIED and {r.code for r in again.reasons} == {"18"}
    rescan, _ = decide(any_engine, SUBSCRIBER, "visit-rescan", ["99213 105.00"])
    assert rescan.outcome is Outcome.PENDING_REVIEW and rescan.review_queue == "claims_examiner"
